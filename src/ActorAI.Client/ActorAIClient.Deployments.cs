using ActorAI.Abstractions;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Client;

/// <summary>Deployments: create, inspect, scale, delete.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>
    /// Creates or updates deployment <paramref name="name"/>. The spec is validated here first. Returns once replicas
    /// are started; <see cref="WaitForDeploymentAsync"/> waits until one serves.
    /// </summary>
    /// <exception cref="DeploymentException">The spec is invalid or its model/version does not resolve.</exception>
    public Task<DeploymentInfo> DeployAsync(string name, DeploymentSpec spec)
    {
        DeploymentNames.ThrowIfInvalid(name);
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<string> errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new DeploymentException(errors);
        }
        return Deployment(name).ApplyAsync(spec);
    }

    /// <summary>A deployment, or <see langword="null"/> when none has that name.</summary>
    public async Task<DeploymentInfo?> GetDeploymentAsync(string name)
    {
        DeploymentInfo info = await Deployment(name).GetAsync().ConfigureAwait(false);
        return info.Spec is null ? null : info;
    }

    /// <summary>Every deployment.</summary>
    public async Task<IReadOnlyList<DeploymentInfo>> ListDeploymentsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = await Index(INameIndexGrain.Deployments).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        DeploymentInfo[] infos = await Task.WhenAll(names.Select(n => Cluster.GetGrain<IDeploymentGrain>(n).GetAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. infos.Where(i => i.Spec is not null)];
    }

    /// <summary>
    /// The deployment's serving figures over the replicas' recent window: each replica that answers within
    /// <paramref name="timeout"/> (default 2 s) and their sum.
    /// </summary>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    public async Task<DeploymentStats> GetDeploymentStatsAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        DeploymentInfo info = await GetDeploymentAsync(name).WaitAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new DeploymentNotFoundException(name);
        TimeSpan wait = timeout ?? TimeSpan.FromSeconds(2);
        ReplicaInfo[] ready = [.. info.Replicas.Where(r => r.State == ReplicaState.Ready)];
        ServingStats?[] answers = await Task.WhenAll(ready.Select(async r =>
        {
            try
            {
                return await Cluster.GetGrain<IReplicaGrain>(r.Id).GetStatsAsync().WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return null; // a replica that is moving or gone is left out of the figures, not an error
            }
        })).ConfigureAwait(false);
        var replicas = new Dictionary<string, ServingStats>();
        ServingStats? total = null;
        for (int i = 0; i < ready.Length; i++)
        {
            if (answers[i] is not { } stats)
            {
                continue;
            }
            replicas[ready[i].Id] = stats;
            total = total is null ? stats : total.Add(stats);
        }
        return new DeploymentStats(name, replicas, total);
    }

    /// <summary>Waits until the deployment serves (status Ready) and returns its state.</summary>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    /// <exception cref="DeploymentException">The deployment failed (the message carries its last error).</exception>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    public async Task<DeploymentInfo> WaitForDeploymentAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            DeploymentInfo info = await GetDeploymentAsync(name).ConfigureAwait(false) ?? throw new DeploymentNotFoundException(name);
            switch (info.Status)
            {
                case DeploymentStatus.Ready:
                    return info;
                case DeploymentStatus.Failed:
                    throw new DeploymentException($"deployment '{name}' failed: {info.LastError}");
            }
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"deployment '{name}' was not ready within {timeout.TotalSeconds:0} s (status {info.Status})");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drains and removes a deployment.</summary>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    public async Task DeleteDeploymentAsync(string name)
    {
        _ = await GetDeploymentAsync(name).ConfigureAwait(false) ?? throw new DeploymentNotFoundException(name);
        await Deployment(name).DeleteAsync().ConfigureAwait(false);
    }

    private IDeploymentGrain Deployment(string name)
    {
        DeploymentNames.ThrowIfInvalid(name);
        return Cluster.GetGrain<IDeploymentGrain>(name);
    }
}

/// <summary>Deployment names: 1–64 characters of letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, starting with a letter or digit.</summary>
public static class DeploymentNames
{
    /// <summary>Longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid deployment name.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Throws when <paramref name="name"/> is not valid.</summary>
    /// <exception cref="ArgumentException">The name is not valid; the message gives the rule.</exception>
    public static void ThrowIfInvalid(string? name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"deployment name '{name}' is invalid: 1-{MaxLength} letters, digits, '-', '_' or '.', starting with a letter or digit", nameof(name));
        }
    }
}
