using ActorAI.Abstractions.Artifacts;
using System.Collections.Concurrent;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Tests.Datasets;
using ActorAI.Cli.Tests.Keys;
using ActorAI.Cli.Tests.Serving;
using ActorAI.Cli.Compute;
using ActorAI.Client;
using Orleans.Runtime;

namespace ActorAI.Cli.Tests.Training;

/// <summary>
/// An in-memory stand-in for the cluster's training grains, behind a real <see cref="ActorAIClient"/>
/// (<see cref="ActorAIClient.Create"/>), so the client and the commands run unchanged without a silo.
/// </summary>
internal sealed class FakeCluster : IClusterClient
{
    private readonly ConcurrentDictionary<string, FakeTrainingJob> _jobs = new();

    public FakeRegistry Registry { get; } = new();

    /// <summary>The API key grains and their index.</summary>
    public FakeApiKeys ApiKeys { get; } = new();

    /// <summary>The dataset grains, their index and artifact uploads.</summary>
    public FakeDatasets Datasets { get; } = new();

    /// <summary>The registry and serving grains.</summary>
    public FakeServing Serving { get; } = new();

    /// <summary>The artifact catalog.</summary>
    public Artifacts.FakeArtifactCatalog Artifacts { get; } = new();

    /// <summary>How many times the CLI connected.</summary>
    public int Connections { get; private set; }

    public IServiceProvider ServiceProvider => throw new NotSupportedException();

    /// <summary>The job grain for <paramref name="jobId"/>; one that was never scripted behaves as an unknown job.</summary>
    public FakeTrainingJob Job(string jobId) => _jobs.GetOrAdd(jobId, id => new FakeTrainingJob(id, this));

    /// <summary>Scripts a job: successive GetAsync answers (the last repeats), and the metrics of all its steps.</summary>
    public FakeTrainingJob AddJob(string jobId, IReadOnlyList<TrainingJobInfo> states, IReadOnlyList<TrainingMetrics>? metrics = null)
    {
        FakeTrainingJob job = Job(jobId);
        job.Script(states, metrics ?? []);
        Registry.Ids.Add(jobId);
        return job;
    }

    /// <summary>A connector for <see cref="CliEnvironment"/> that hands out clients over this fake.</summary>
    public CliEnvironment Environment(TimeProvider? time = null) => new(
        new ComputeHostLocator(_ => null, Path.GetTempPath(), "dotnet"),
        (options, _) =>
        {
            Connections++;
            return Task.FromResult(ActorAIClient.Create(this, options));
        },
        time ?? new ManualTimeProvider(Samples.Submitted),
        TimeSpan.Zero);

    /// <summary>Runs <c>actorai</c> with <paramref name="args"/> against this fake, capturing its output.</summary>
    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr, Environment());
        return (code, stdout.ToString(), stderr.ToString());
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithStringKey =>
        typeof(TGrainInterface) == typeof(ITrainingJobGrain) ? (TGrainInterface)(object)Job(primaryKey)
        : typeof(TGrainInterface) == typeof(INameIndexGrain) && primaryKey == INameIndexGrain.TrainingJobs ? (TGrainInterface)(object)Registry
        : typeof(TGrainInterface) == typeof(IArtifactCatalogGrain) ? (TGrainInterface)(object)Artifacts
        : ApiKeys.GetGrain<TGrainInterface>(primaryKey) ?? Datasets.GetGrain<TGrainInterface>(primaryKey) ?? Serving.GetGrain<TGrainInterface>(primaryKey)
            ?? throw new NotSupportedException(typeof(TGrainInterface).Name);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerKey =>
        throw new NotSupportedException(typeof(TGrainInterface).Name);

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidKey =>
        Datasets.GetGrain<TGrainInterface>(primaryKey) ?? throw new NotSupportedException(typeof(TGrainInterface).Name);

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidCompoundKey =>
        throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerCompoundKey =>
        throw new NotSupportedException();

    public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver =>
        throw new NotSupportedException();

    public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver =>
        throw new NotSupportedException();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => throw new NotSupportedException();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey) => throw new NotSupportedException();

    public IGrain GetGrain(Type grainInterfaceType, string grainPrimaryKey) => throw new NotSupportedException();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) => throw new NotSupportedException();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) => throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IAddressable => throw new NotSupportedException();

    public IAddressable GetGrain(GrainId grainId) => throw new NotSupportedException();

    public IAddressable GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => throw new NotSupportedException();

    public IAddressable GetGrain(Type grainInterfaceType, IdSpan grainKey, string grainClassNamePrefix) => throw new NotSupportedException();

    public IAddressable GetGrain(Type grainInterfaceType, IdSpan grainKey) => throw new NotSupportedException();
}

/// <summary>The training-job index: the ids of the scripted jobs and of those submitted, oldest first.</summary>
internal sealed class FakeRegistry : INameIndexGrain
{
    public List<string> Ids { get; } = [];

    public Task AddAsync(string name)
    {
        lock (Ids)
        {
            if (!Ids.Contains(name))
            {
                Ids.Add(name);
            }
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string name)
    {
        lock (Ids)
        {
            Ids.Remove(name);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync()
    {
        lock (Ids)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. Ids]);
        }
    }
}

/// <summary>
/// A job grain that plays a script: each <see cref="GetAsync"/> answers the next scripted state (the last repeats) and
/// the metrics visible are those of the steps the latest answered state has completed — so a poller that reads the
/// metrics before the state sees them one round late, as it would when the job moves between its two calls.
/// </summary>
internal sealed class FakeTrainingJob(string jobId, FakeCluster cluster) : ITrainingJobGrain
{
    private readonly Lock _gate = new();
    private List<TrainingJobInfo> _states = [Samples.Unknown(jobId)];
    private List<TrainingMetrics> _metrics = [];
    private int _index = -1;

    public string JobId => jobId;

    /// <summary>Every call, in order: "submit", "get", "metrics(after,max)", "cancel", "pause", "resume", "scale(k)".</summary>
    public List<string> Calls { get; } = [];

    /// <summary>The spec of the last SubmitAsync.</summary>
    public TrainingJobSpec? Submitted { get; private set; }

    /// <summary>Thrown by the next calls of any method while it returns non-null.</summary>
    public Func<Exception?> Failure { get; set; } = () => null;

    /// <summary>What ScaleAsync and SubmitAsync throw, as a grain refusing the request would.</summary>
    public TrainingJobException? Refusal { get; set; }

    public int GetCalls => Calls.Count(c => c == "get");

    public void Script(IReadOnlyList<TrainingJobInfo> states, IReadOnlyList<TrainingMetrics> metrics)
    {
        lock (_gate)
        {
            _states = [.. states];
            _metrics = [.. metrics];
            _index = -1;
        }
    }

    public Task<TrainingJobInfo> SubmitAsync(TrainingJobSpec spec)
    {
        Record("submit");
        if (Refusal is not null)
        {
            throw Refusal;
        }
        lock (_gate)
        {
            Submitted = spec;
            if (!_states[0].Exists())
            {
                _states = [Samples.Info(jobId, spec, TrainingJobStatus.Pending, step: 0)];
            }
        }
        _ = cluster.Registry.AddAsync(jobId); // completes synchronously
        return Task.FromResult(Current);
    }

    public Task<TrainingJobInfo> GetAsync()
    {
        Record("get");
        lock (_gate)
        {
            _index = Math.Min(_index + 1, _states.Count - 1);
            return Task.FromResult(_states[_index]);
        }
    }

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() => throw new NotSupportedException();

    public Task<IReadOnlyList<TrainingMetrics>> GetMetricsAsync(long afterStep, int max)
    {
        Record($"metrics({afterStep},{max})");
        lock (_gate)
        {
            long visible = _states[Math.Max(_index, 0)].Step;
            return Task.FromResult<IReadOnlyList<TrainingMetrics>>([.. _metrics.Where(m => m.Step > afterStep && m.Step <= visible).Take(max)]);
        }
    }

    public Task<TrainingJobInfo> CancelAsync() => Control("cancel", info => info with { Status = TrainingJobStatus.Cancelled });

    public Task<TrainingJobInfo> PauseAsync() => Control("pause", info => info with { Status = TrainingJobStatus.Paused });

    public Task<TrainingJobInfo> ResumeAsync() => Control("resume", info => info with { Status = TrainingJobStatus.Running });

    public Task<TrainingJobInfo> ScaleAsync(int workers)
    {
        if (Refusal is not null)
        {
            Record($"scale({workers})");
            throw Refusal;
        }
        return Control($"scale({workers})", info => info);
    }

    private TrainingJobInfo Current
    {
        get
        {
            lock (_gate)
            {
                return _states[Math.Max(_index, 0)];
            }
        }
    }

    private Task<TrainingJobInfo> Control(string call, Func<TrainingJobInfo, TrainingJobInfo> change)
    {
        Record(call);
        lock (_gate)
        {
            TrainingJobInfo next = change(_states[Math.Max(_index, 0)]);
            _states = [next];
            _index = 0;
            return Task.FromResult(next);
        }
    }

    private void Record(string call)
    {
        lock (_gate)
        {
            Calls.Add(call);
        }
        if (Failure() is { } failure)
        {
            throw failure;
        }
    }
}

/// <summary>A clock that moves only when told (and, optionally, by a fixed amount each time it is read).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    /// <summary>Added to the time after each read of a timestamp.</summary>
    public TimeSpan AutoAdvance { get; set; }

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        long ticks = _now.UtcTicks;
        _now += AutoAdvance;
        return ticks;
    }

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Sample specs, states and metrics.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Submitted = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public static TrainingJobSpec Spec(int steps = 100, int globalBatch = 16, int workers = 2) =>
        new("small", "/data/fortunes", steps, globalBatch, workers, ParameterShards: 2, WarmupSteps: Math.Min(10, steps));

    public static TrainingJobInfo Info(
        string jobId, TrainingJobSpec spec, TrainingJobStatus status, long step, string? reason = null, int recoveries = 0, TrainingMetrics? last = null) =>
        new(jobId, spec, status, reason, step, spec.Workers, null, last, status == TrainingJobStatus.Succeeded ? "ab12cd34ef56ab12cd34ef56" : null,
            Submitted, Submitted.AddSeconds(step), recoveries);

    /// <summary>What a job grain that was never submitted answers.</summary>
    public static TrainingJobInfo Unknown(string jobId) => new(jobId, null!, TrainingJobStatus.Pending, null, 0, 0, null, null, null, default, default, 0);

    public static TrainingMetrics Metrics(long step, double loss = 3.0) =>
        new(step, loss, 1e-3, 0.5, 12_345.6, 2, PullMs: 12.3, ComputeMs: 85.1, PushMs: 10.2, ApplyMs: 5.25, ExchangeBytes: 4 << 20);

    /// <summary>A job that runs <paramref name="steps"/> steps, one state per step, and ends as <paramref name="end"/>.</summary>
    public static (TrainingJobInfo[] States, TrainingMetrics[] Metrics) Run(
        string jobId, int steps, TrainingJobStatus end = TrainingJobStatus.Succeeded, string? reason = null)
    {
        TrainingJobSpec spec = Spec(steps);
        TrainingMetrics[] metrics = [.. Enumerable.Range(1, steps).Select(s => Metrics(s, loss: 5.0 - s * 0.01))];
        var states = new List<TrainingJobInfo> { Info(jobId, spec, TrainingJobStatus.Pending, 0) };
        states.AddRange(Enumerable.Range(1, steps - 1).Select(s => Info(jobId, spec, TrainingJobStatus.Running, s, last: metrics[s - 1])));
        states.Add(Info(jobId, spec, end, steps, reason, last: metrics[^1]));
        return ([.. states], metrics);
    }
}
