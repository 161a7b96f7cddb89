using System.Globalization;
using ActorAI.Abstractions.Serving;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Deployments and their replicas as tables, details and one-line progress.</summary>
internal static class DeploymentRendering
{
    /// <summary>One row per deployment: name, model, status, versions, replicas, last update.</summary>
    public static void WriteTable(IReadOnlyList<DeploymentInfo> deployments, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        if (deployments.Count == 0)
        {
            console.WriteLine("No deployments. Create one with `actorai deploy NAME --model MODEL@ALIAS`.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Deployment", "Model", "Status", "Serving", "Replicas", "Updated (UTC)");
        foreach (DeploymentInfo d in deployments)
        {
            table.AddRow(
                Markup.Escape(d.Name),
                Markup.Escape(ModelOf(d)),
                StatusMarkup(d.Status),
                Markup.Escape(Serving(d)),
                Markup.Escape(ReplicaSummary(d)),
                ModelRendering.FormatTime(d.UpdatedAt));
        }
        console.Write(table);
        console.WriteLine($"{deployments.Count} {(deployments.Count == 1 ? "deployment" : "deployments")}");
    }

    /// <summary>A deployment's spec and state, then its replicas.</summary>
    public static void WriteDetails(DeploymentInfo deployment, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        DeploymentSpec spec = deployment.Spec!;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Markup($"[bold]{name}[/]"), new Text(value));

        Row("Deployment", deployment.Name);
        grid.AddRow(new Markup("[bold]Status[/]"), new Markup(StatusMarkup(deployment.Status)));
        Row("Model", ModelOf(deployment));
        Row("Serving", Serving(deployment));
        Row("Replicas", Invariant($"{ReplicaSummary(deployment)}; a replica is added above {spec.TargetOutstanding:0.##} outstanding requests each"));
        Row("Batching", Invariant($"up to {spec.MaxBatch} sequences per replica, queue {spec.MaxQueue}, {spec.MaxBatchedTokens} tokens per step"));
        string budget = spec.KvCacheTokens is { } kv ? Invariant($"{kv} tokens") : "max batch × context";
        Row("KV cache", Invariant($"{budget} in blocks of {spec.BlockSize}, prefix caching {(spec.PrefixCaching ? "on" : "off")}"));
        Row("Stages", spec.Stages is { } stages
            ? Invariant($"{stages} (each replica's model split into {stages} model shards on different silos)")
            : "automatic (the fewest whose memory fits the silos)");
        Row("Scale-down delay", Units.FormatDuration(spec.ScaleDownDelay));
        if (deployment.LastError is { } error)
        {
            Row("Last error", error);
        }
        Row("Updated", ModelRendering.FormatTime(deployment.UpdatedAt) + " UTC");
        console.Write(grid);
        WriteReplicas(deployment, console);
    }

    /// <summary>The replicas: id, version, state, silo, outstanding requests.</summary>
    public static void WriteReplicas(DeploymentInfo deployment, TextWriter output) => WriteReplicas(deployment, CliConsole.Create(output));

    /// <summary>
    /// A progress line while waiting for a deployment, e.g.
    /// <c>web: starting · v3 · 1/2 replicas ready (1 loading)</c>.
    /// </summary>
    public static string ProgressLine(DeploymentInfo deployment)
    {
        string states = string.Join(", ", deployment.Replicas.Where(r => r.State != ReplicaState.Ready)
            .GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {StateName(g.Key)}"));
        int ready = deployment.Replicas.Count(r => r.State == ReplicaState.Ready);
        string version = deployment.Version > 0 ? $" · v{Number(deployment.Version)}" : "";
        return $"{deployment.Name}: {StatusName(deployment.Status)}{version} · {Number(ready)}/{Number(deployment.Replicas.Count)} replicas ready"
            + (states.Length > 0 ? $" ({states})" : "");
    }

    /// <summary><c>fortune@production</c>: the model and the version or alias the spec follows.</summary>
    public static string ModelOf(DeploymentInfo deployment) =>
        deployment.Spec is { } spec ? $"{spec.Model}@{spec.Version}" : "-";

    /// <summary>The resolved versions: <c>v3</c>, or <c>v3 + canary v4 (10%)</c>.</summary>
    public static string Serving(DeploymentInfo deployment)
    {
        string main = deployment.Version > 0 ? $"v{Number(deployment.Version)}" : "-";
        return deployment.CanaryVersion is { } canary
            ? $"{main} + canary v{Number(canary)} ({Number(deployment.Spec?.Canary?.Percent ?? 0)}%)"
            : main;
    }

    /// <summary><c>2/2 ready (min 1, max 4)</c>.</summary>
    public static string ReplicaSummary(DeploymentInfo deployment)
    {
        int ready = deployment.Replicas.Count(r => r.State == ReplicaState.Ready);
        string bounds = deployment.Spec is { } spec
            ? spec.MinReplicas == spec.MaxReplicas ? $" (fixed {Number(spec.MinReplicas)})" : $" (min {Number(spec.MinReplicas)}, max {Number(spec.MaxReplicas)})"
            : "";
        return $"{Number(ready)}/{Number(deployment.Replicas.Count)} ready{bounds}";
    }

    public static string StatusName(DeploymentStatus status) => status.ToString().ToLowerInvariant();

    public static string StateName(ReplicaState state) => state.ToString().ToLowerInvariant();

    private static void WriteReplicas(DeploymentInfo deployment, IAnsiConsole console)
    {
        if (deployment.Replicas.Count == 0)
        {
            console.WriteLine(deployment.Status == DeploymentStatus.Idle
                ? "No replicas (scaled to zero; the next request starts one)."
                : "No replicas.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Replica", "Version", "State", "Silo", "Outstanding");
        table.Columns[1].RightAligned();
        table.Columns[4].RightAligned();
        foreach (ReplicaInfo replica in deployment.Replicas.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            table.AddRow(
                Markup.Escape(replica.Id),
                $"v{Number(replica.Version)}",
                StateMarkup(replica.State),
                Markup.Escape(replica.Silo ?? "-") + StageSilos(replica),
                Number(replica.Outstanding));
        }
        console.Write(table);
    }

    // A pipelined replica coordinates from its silo; its stages run on theirs.
    private static string StageSilos(ReplicaInfo replica) => replica.StageSilos is { Count: > 0 } stages
        ? Markup.Escape(" (stages: " + string.Join(", ", stages.Select((s, i) => Invariant($"{i}@{(s.Length == 0 ? "-" : s)}"))) + ")")
        : "";

    private static string StatusMarkup(DeploymentStatus status) => status switch
    {
        DeploymentStatus.Ready => "[green]ready[/]",
        DeploymentStatus.Failed => "[red]failed[/]",
        DeploymentStatus.Idle => "[grey]idle[/]",
        _ => $"[yellow]{StatusName(status)}[/]",
    };

    private static string StateMarkup(ReplicaState state) => state switch
    {
        ReplicaState.Ready => "[green]ready[/]",
        ReplicaState.Failed or ReplicaState.Faulted => $"[red]{StateName(state)}[/]",
        _ => $"[yellow]{StateName(state)}[/]",
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
