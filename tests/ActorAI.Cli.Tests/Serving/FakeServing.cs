using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Cli.Tests.Serving;

/// <summary>
/// In-memory stand-ins for the registry and serving grains (models, deployments, replicas, name indexes), reached
/// through <see cref="Training.FakeCluster"/> so a real <see cref="ActorAI.Client.ActorAIClient"/> and its router run
/// unchanged.
/// </summary>
internal sealed class FakeServing
{
    private readonly ConcurrentDictionary<string, FakeModel> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeDeployment> _deployments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeReplica> _replicas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeNameIndex> _indexes = new(StringComparer.Ordinal);

    public FakeModel Model(string name) => _models.GetOrAdd(name, n => new FakeModel(n, this));

    public FakeDeployment Deployment(string name) => _deployments.GetOrAdd(name, n => new FakeDeployment(n, this));

    public FakeReplica Replica(string id) => _replicas.GetOrAdd(id, i => new FakeReplica(i));

    public FakeNameIndex Index(string kind) => _indexes.GetOrAdd(kind, _ => new FakeNameIndex());

    /// <summary>A model with <paramref name="versions"/> and <paramref name="aliases"/>, listed in the models index.</summary>
    public FakeModel AddModel(string name, IReadOnlyList<ModelVersion> versions, IReadOnlyDictionary<string, int>? aliases = null, IReadOnlyList<AliasChange>? history = null)
    {
        FakeModel model = Model(name);
        model.Info = new ModelInfo(name, versions, aliases ?? new Dictionary<string, int>(), history ?? []);
        _ = Index(INameIndexGrain.Models).AddAsync(name);
        return model;
    }

    /// <summary>A deployment answering <paramref name="states"/> to successive GetAsync calls (the last repeats).</summary>
    public FakeDeployment AddDeployment(string name, params DeploymentInfo[] states)
    {
        FakeDeployment deployment = Deployment(name);
        deployment.Script(states);
        _ = Index(INameIndexGrain.Deployments).AddAsync(name);
        return deployment;
    }

    public T? GetGrain<T>(string key)
    {
        object? grain = typeof(T) switch
        {
            var t when t == typeof(IModelGrain) => Model(key),
            var t when t == typeof(IDeploymentGrain) => Deployment(key),
            var t when t == typeof(IReplicaGrain) => Replica(key),
            var t when t == typeof(INameIndexGrain) => Index(key),
            _ => null,
        };
        return (T?)grain;
    }
}

internal sealed class FakeNameIndex : INameIndexGrain
{
    private readonly List<string> _names = [];

    public Task AddAsync(string name)
    {
        lock (_names)
        {
            if (!_names.Contains(name))
            {
                _names.Add(name);
            }
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string name)
    {
        lock (_names)
        {
            _names.Remove(name);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync()
    {
        lock (_names)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _names]);
        }
    }
}

/// <summary>A model grain over <see cref="Info"/>; registration appends a version, aliases change it as the real grain does.</summary>
internal sealed class FakeModel(string name, FakeServing serving) : IModelGrain
{
    private readonly Lock _gate = new();

    public ModelInfo Info { get; set; } = new(name, [], new Dictionary<string, int>(), []);

    /// <summary>Every call, in order: "register(job)", "import(path)", "alias(a,v)", "unalias(a)".</summary>
    public List<string> Calls { get; } = [];

    /// <summary>The tags of the last registration or import.</summary>
    public IReadOnlyList<string> LastTags { get; private set; } = [];

    public Task<ModelVersion> RegisterFromJobAsync(string jobId, IReadOnlyList<string> tags) =>
        Task.FromResult(Add($"register({jobId})", tags, ServingSamples.Lineage(jobId)));

    public Task<ModelVersion> ImportCheckpointAsync(string path, ModelLineage lineage, IReadOnlyList<string> tags) =>
        Task.FromResult(Add($"import({path})", tags, lineage));

    public Task<ModelInfo> GetAsync()
    {
        lock (_gate)
        {
            return Task.FromResult(Info);
        }
    }

    // The CLI never pages a model (the dashboard does).
    public Task<ModelPage> GetPageAsync(int skip, int take, int historyTake) => throw new NotSupportedException();

    public Task<ModelVersion> ResolveAsync(string versionOrAlias)
    {
        lock (_gate)
        {
            int number = versionOrAlias == "latest" ? Info.Versions.Max(v => v.Version)
                : int.TryParse(versionOrAlias, out int n) ? n
                : Info.Aliases.TryGetValue(versionOrAlias, out int a) ? a
                : throw new ModelRegistryException($"model '{name}' has no alias '{versionOrAlias}'");
            return Task.FromResult(Info.Versions.Single(v => v.Version == number));
        }
    }

    public Task<ModelInfo> SetAliasAsync(string alias, int version)
    {
        lock (_gate)
        {
            Calls.Add($"alias({alias},{version})");
            if (Info.Versions.All(v => v.Version != version))
            {
                throw new ModelRegistryException($"model '{name}' has no version {version}");
            }
            Info = Info with
            {
                Aliases = new Dictionary<string, int>(Info.Aliases) { [alias] = version },
                AliasHistory = [.. Info.AliasHistory, new AliasChange(alias, version, ServingSamples.Submitted)],
            };
            return Task.FromResult(Info);
        }
    }

    public Task<ModelInfo> RemoveAliasAsync(string alias)
    {
        lock (_gate)
        {
            Calls.Add($"unalias({alias})");
            if (!Info.Aliases.ContainsKey(alias))
            {
                throw new ModelRegistryException($"model '{name}' has no alias '{alias}'");
            }
            var aliases = new Dictionary<string, int>(Info.Aliases);
            aliases.Remove(alias);
            Info = Info with { Aliases = aliases, AliasHistory = [.. Info.AliasHistory, new AliasChange(alias, null, ServingSamples.Submitted)] };
            return Task.FromResult(Info);
        }
    }

    public Task<ModelVersion> TagAsync(int version, string tag) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() => throw new NotSupportedException();

    private ModelVersion Add(string call, IReadOnlyList<string> tags, ModelLineage lineage)
    {
        lock (_gate)
        {
            Calls.Add(call);
            LastTags = tags;
            var version = new ModelVersion(Info.Versions.Count + 1, new string('a', 64), lineage, tags, ServingSamples.Submitted);
            Info = Info with { Versions = [.. Info.Versions, version] };
            _ = serving.Index(INameIndexGrain.Models).AddAsync(name);
            return version;
        }
    }
}

/// <summary>
/// A deployment grain that plays a script of states (one per GetAsync, the last repeats; ApplyAsync answers the first)
/// and routes to the replicas of its routing table. Unscripted, it does not exist until ApplyAsync.
/// </summary>
internal sealed class FakeDeployment(string name, FakeServing serving) : IDeploymentGrain
{
    private readonly Lock _gate = new();
    private List<DeploymentInfo> _states = [ServingSamples.Missing(name)];
    private bool _scripted;
    private int _index = -1;

    /// <summary>The spec of the last ApplyAsync.</summary>
    public DeploymentSpec? Applied { get; private set; }

    /// <summary>What ApplyAsync throws, as the grain refusing a spec would.</summary>
    public Exception? Refusal { get; set; }

    /// <summary>The replica ids GetRoutingTableAsync answers.</summary>
    public IReadOnlyList<string> Replicas { get; set; } = [];

    public int GetCalls { get; private set; }

    public bool Deleted { get; private set; }

    public void Script(IReadOnlyList<DeploymentInfo> states)
    {
        lock (_gate)
        {
            _states = [.. states];
            _scripted = true;
            _index = -1;
        }
    }

    public Task<DeploymentInfo> ApplyAsync(DeploymentSpec spec)
    {
        if (Refusal is not null)
        {
            throw Refusal;
        }
        lock (_gate)
        {
            Applied = spec;
            if (!_scripted)
            {
                _states = [ServingSamples.Deployment(name, spec, DeploymentStatus.Starting, [])];
            }
            _ = serving.Index(INameIndexGrain.Deployments).AddAsync(name);
            return Task.FromResult(_states[0] with { Spec = spec });
        }
    }

    public Task<DeploymentInfo> GetAsync()
    {
        lock (_gate)
        {
            GetCalls++;
            _index = Math.Min(_index + 1, _states.Count - 1);
            return Task.FromResult(Deleted ? ServingSamples.Missing(name) : _states[_index]);
        }
    }

    public Task<RoutingTable> GetRoutingTableAsync(bool wake)
    {
        if (_states[0].Spec is null || Deleted)
        {
            throw new DeploymentNotFoundException(name);
        }
        return Task.FromResult(new RoutingTable(name, 1, _states[0].Spec!.Model, 3, Replicas, null, [], 0, 1024));
    }

    public Task ReportReplicaFailureAsync(string replicaId) => Task.CompletedTask;

    public Task<DeploymentInfo> RefreshAsync() => GetAsync();

    public Task DeleteAsync()
    {
        Deleted = true;
        return serving.Index(INameIndexGrain.Deployments).RemoveAsync(name);
    }
}

/// <summary>
/// A replica grain streaming <see cref="Chunks"/>. Before each chunk after the first it waits for
/// <see cref="BeforeNextChunk"/>, so a test can check what the caller shows between two chunks.
/// </summary>
internal sealed class FakeReplica(string id) : IReplicaGrain
{
    public string Id => id;

    public IReadOnlyList<GenerationChunk> Chunks { get; set; } = [];

    /// <summary>What GenerateAsync throws before its first chunk.</summary>
    public Exception? Refusal { get; set; }

    /// <summary>Awaited before each chunk but the first (index of the chunk about to be sent).</summary>
    public Func<int, Task> BeforeNextChunk { get; set; } = _ => Task.CompletedTask;

    public List<GenerationRequest> Requests { get; } = [];

    public Task<ReplicaLoad> StartAsync(ReplicaSpec spec) => throw new NotSupportedException();

    public Task<ServingStats> GetStatsAsync() => throw new NotSupportedException();

    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
        if (Refusal is not null)
        {
            throw Refusal;
        }
        for (int i = 0; i < Chunks.Count; i++)
        {
            if (i > 0)
            {
                await BeforeNextChunk(i).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            yield return Chunks[i];
        }
    }

    public Task<ReplicaLoad> GetLoadAsync() => throw new NotSupportedException();

    public Task DrainAsync() => throw new NotSupportedException();
}
