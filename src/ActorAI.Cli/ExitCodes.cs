namespace ActorAI.Cli;

/// <summary>Process exit codes of <c>actorai</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int InvalidArguments = 2;
    public const int ClusterUnavailable = 3;
    public const int ClusterCallFailed = 4;

    /// <summary>Interrupted (Ctrl+C): 128 + SIGINT, as shells report it.</summary>
    public const int Cancelled = 130;
}
