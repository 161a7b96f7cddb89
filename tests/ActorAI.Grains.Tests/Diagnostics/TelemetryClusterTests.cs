using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Diagnostics;
using ActorAI.Grains.Tests.Serving;
using ActorAI.Grains.Tests.Training;

namespace ActorAI.Grains.Tests.Diagnostics;

/// <summary>
/// Traces and training metrics on the two-silo cluster: one chat request's spans chain router → replica → engine, one
/// training step's chain job → trainers → shards, and a short job's step phases reach the training meter.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TelemetryClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AChatRequestIsOneTraceFromTheRouterToTheEngine()
    {
        using var spans = new SpanRecorder();
        ActorAIClient client = ActorAIClient.Create(fixture.Cluster.Client);
        string model = $"m-{Guid.NewGuid():N}", name = $"trace-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(client, model, 31);
        await ServingModels.DeployAsync(client, name, new DeploymentSpec { Model = model });

        await foreach (GenerationChunk _ in client.GenerateStreamingAsync(name, ServingModels.Request("Hello", 4)))
        {
        }

        Activity route = Assert.Single(spans.Named("route generate"), a => Equals(a.GetTagItem("actorai.deployment"), name));
        Activity engine = Assert.Single(spans.Named("engine generate"), a => a.TraceId == route.TraceId);
        List<Activity> chain = spans.Ancestors(engine);
        Assert.Equal("replica generate", chain[0].OperationName);
        Assert.Same(route, chain[^1]); // the engine's span reaches the router's through the replica's and Orleans' call spans
        Assert.StartsWith(name + "/", (string?)chain[0].GetTagItem("actorai.replica"), StringComparison.Ordinal);
        Assert.Equal(4, engine.GetTagItem("actorai.completion_tokens"));
    }

    [Fact]
    public async Task ATrainingStepIsOneTraceFromTheJobToTrainersAndShardsAndItsPhasesAreMeasured()
    {
        using var spans = new SpanRecorder();
        using var phases = new PhaseRecorder();
        string id = $"telemetry-{Guid.NewGuid():N}";
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);

        await job.SubmitAsync(new TrainingJobSpec(
            Model: "tiny", Dataset: TrainingDataset.Directory, Steps: 3, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2,
            LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 1, Seed: 7, IntraOpThreads: 1));
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);

        Assert.Equal(TrainingJobStatus.Succeeded, info.Status);
        Activity step = spans.Named("training step").First(a => Equals(a.GetTagItem("actorai.job"), id) && Equals(a.GetTagItem("actorai.step"), 1L));
        List<Activity> trainers = [.. spans.Named("trainer step").Where(a => a.TraceId == step.TraceId)];
        Assert.Equal([0, 1], trainers.Select(t => (int)t.GetTagItem("actorai.rank")!).Order());
        // The step's span sits under Orleans' timer-callback span; each trainer's and shard's sits under the step's.
        Assert.All(trainers, t => Assert.Contains(step, spans.Ancestors(t)));
        List<Activity> pushes = [.. spans.Named("shard push").Where(a => a.TraceId == step.TraceId)];
        Assert.NotEmpty(pushes);
        Assert.All(pushes, p => Assert.Contains(spans.Ancestors(p), a => a.OperationName == "trainer step"));
        List<Activity> applies = [.. spans.Named("shard apply").Where(a => a.TraceId == step.TraceId)];
        Assert.Equal(2, applies.Count); // one per shard
        Assert.All(applies, a => Assert.Contains(step, spans.Ancestors(a)));

        Assert.Equal(["apply", "compute", "pull", "push"], phases.Phases(id));
        Assert.Equal(3, phases.Count(id, "compute"));
        Assert.True(phases.Counter(id, "actorai:training_exchange_bytes_total") > 0);
        Assert.Equal(3, phases.Counter(id, "actorai:training_steps_total"));
        Assert.True(double.IsFinite(phases.Last(id, "actorai:training_loss")));
        Assert.True(phases.Last(id, "actorai:training_tokens_per_second") > 0);
    }

    /// <summary>Every span of ActorAI's and Orleans' sources started while it lives, sampled in full.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentDictionary<ActivitySpanId, Activity> _spans = new();

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name.StartsWith("ActorAI", StringComparison.Ordinal) || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = a => _spans[a.SpanId] = a,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> Named(string name) => _spans.Values.Where(a => a.OperationName == name);

        /// <summary>Parent, grandparent, … up to the first span whose parent was not recorded (the root).</summary>
        public List<Activity> Ancestors(Activity span)
        {
            var chain = new List<Activity>();
            for (Activity current = span; _spans.TryGetValue(current.ParentSpanId, out Activity? parent) && parent.TraceId == span.TraceId; current = parent)
            {
                chain.Add(parent);
            }
            return chain;
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>The training meter's measurements, by instrument, job and phase.</summary>
    private sealed class PhaseRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, string? Job, string? Phase, double Value)> _measurements = new();

        public PhaseRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ActorAITelemetry.TrainingMeter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public string[] Phases(string job) =>
            [.. _measurements.Where(m => m.Job == job && m.Instrument == "actorai:training_step_seconds").Select(m => m.Phase!).Distinct().Order()];

        public int Count(string job, string phase) =>
            _measurements.Count(m => m.Job == job && m.Instrument == "actorai:training_step_seconds" && m.Phase == phase);

        public double Counter(string job, string instrument) => _measurements.Where(m => m.Job == job && m.Instrument == instrument).Sum(m => m.Value);

        public double Last(string job, string instrument) => _measurements.Last(m => m.Job == job && m.Instrument == instrument).Value;

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? job = null, phase = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                job = tag.Key == "job" ? (string?)tag.Value : job;
                phase = tag.Key == "phase" ? (string?)tag.Value : phase;
            }
            _measurements.Enqueue((instrument.Name, job, phase, value));
        }
    }
}
