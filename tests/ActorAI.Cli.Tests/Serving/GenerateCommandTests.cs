using ActorAI.Abstractions.Serving;
using ActorAI.Cli.Tests.Training;

namespace ActorAI.Cli.Tests.Serving;

/// <summary><c>actorai generate DEPLOYMENT "prompt"</c> through the client's router to a fake replica.</summary>
public sealed class GenerateCommandTests
{
    private static readonly DeploymentSpec Spec = new() { Model = "fortune", Version = "production" };

    private static string[] Lines(string text) => TrainCommandTests.Lines(text);

    private static (FakeCluster Cluster, FakeReplica Replica) WithReplica(params GenerationChunk[] chunks)
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web", Spec, DeploymentStatus.Ready, [ServingSamples.Replica("web", 0, ReplicaState.Ready)]))
            .Replicas = ["web/0"];
        FakeReplica replica = cluster.Serving.Replica("web/0");
        replica.Chunks = chunks;
        return (cluster, replica);
    }

    [Fact]
    public async Task EachChunkIsOnStdoutBeforeTheNextArrivesThenTheSummaryGoesToStderr()
    {
        (FakeCluster cluster, FakeReplica replica) = WithReplica(
            ServingSamples.Chunk("Once", completion: 1), ServingSamples.Chunk(" upon", completion: 2), ServingSamples.Chunk(" a time", "stop", completion: 3));
        var stdout = new FlushRecordingWriter();
        var stderr = new StringWriter();
        // The replica sends chunk i only once the text up to chunk i-1 has been flushed: a CLI that buffered would time out.
        string[] prefixes = ["Once", "Once upon"];
        replica.BeforeNextChunk = i => stdout.FlushedAsync(prefixes[i - 1]);

        int code = await CliApp.RunAsync(["generate", "web", "Tell me"], stdout, stderr, cluster.Environment());

        Assert.True(code == ExitCodes.Ok, stderr.ToString());
        Assert.Equal("Once upon a time\n", stdout.ToString());
        Assert.Equal(["Once", "Once upon", "Once upon a time"], stdout.Flushes.Distinct().Take(3));
        Assert.Equal("finish=stop prompt_tokens=4 completion_tokens=3 model=fortune v3", Assert.Single(Lines(stderr.ToString())));
        GenerationRequest request = Assert.Single(replica.Requests);
        Assert.Equal("Tell me", request.Prompt);
        Assert.Equal(new GenerationParameters(), request.Parameters);
    }

    [Fact]
    public async Task SamplingOptionsGoIntoTheRequest()
    {
        (FakeCluster cluster, FakeReplica replica) = WithReplica(ServingSamples.Chunk("x", "length"));

        (int code, _, string stderr) = await cluster.RunAsync(
            "generate", "web", "Tell me", "--max-tokens", "5", "--temperature", "0", "--top-p", "0.9", "--seed", "7", "--stop", "END", "--stop", ".");

        Assert.True(code == ExitCodes.Ok, stderr);
        GenerationParameters p = Assert.Single(replica.Requests).Parameters;
        Assert.Equal((5, 0.0, 0.9, 7L), (p.MaxTokens, p.Temperature, p.TopP, p.Seed));
        Assert.Equal(["END", "."], p.Stop);
        Assert.StartsWith("finish=length ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatSendsThePromptAsOneUserTurn()
    {
        (FakeCluster cluster, FakeReplica replica) = WithReplica(ServingSamples.Chunk("Hello!", "stop"));

        (int code, string stdout, string stderr) = await cluster.RunAsync("generate", "web", "Hi", "--chat", "--stop", "END");

        Assert.True(code == ExitCodes.Ok, stderr);
        GenerationRequest request = Assert.Single(replica.Requests);
        Assert.Equal("", request.Prompt);
        Assert.Equal([new ChatTurn("user", "Hi")], request.Messages);
        Assert.Equal(["END"], request.Parameters.Stop); // the replica stops at the next turn's role token
        Assert.Equal("Hello!\n", stdout);
    }

    [Theory]
    [InlineData("--max-tokens", "0", "actorai generate: --max-tokens: max_tokens must be at least 1 (was 0)")]
    [InlineData("--temperature", "2.5", "actorai generate: --temperature: temperature must be between 0 and 2 (was 2.5)")]
    [InlineData("--top-p", "0", "actorai generate: --top-p: top_p must be greater than 0 and at most 1 (was 0)")]
    public async Task ABadParameterNamesItsOptionBeforeConnecting(string option, string value, string expected)
    {
        (FakeCluster cluster, _) = WithReplica();

        (int code, _, string stderr) = await cluster.RunAsync("generate", "web", "Tell me", option, value);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal(expected, Assert.Single(Lines(stderr)));
        Assert.Equal(0, cluster.Connections);
    }

    [Theory]
    [InlineData("generate", "web")]
    [InlineData("generate", "web", "a", "b")]
    [InlineData("generate", "web", "Tell me", "--top-k", "40")]
    [InlineData("generate", "no/such", "Tell me")]
    public async Task ArgumentsThatDoNotNameADeploymentAndAPromptAreRefused(params string[] args)
    {
        (FakeCluster cluster, _) = WithReplica();

        (int code, _, string stderr) = await cluster.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.All(Lines(stderr), l => Assert.StartsWith("actorai generate: ", l, StringComparison.Ordinal));
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task AnUnknownDeploymentIsExitCode2WithAHint()
    {
        (int code, string stdout, string stderr) = await new FakeCluster().RunAsync("generate", "nope", "Tell me");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        Assert.Equal("actorai: deployment 'nope' does not exist (`actorai deployments list` shows them all).", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task AnOverloadedDeploymentIsExitCode1WithTheRetryAfter()
    {
        (FakeCluster cluster, FakeReplica replica) = WithReplica(ServingSamples.Chunk("x", "stop"));
        replica.Refusal = new ServiceOverloadedException("deployment 'web' is overloaded", TimeSpan.FromSeconds(2));

        (int code, _, string stderr) = await cluster.RunAsync("generate", "web", "Tell me");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("actorai: deployment 'web' is overloaded; retry after 2 s.", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task ARequestTheModelRefusesIsExitCode2()
    {
        (FakeCluster cluster, FakeReplica replica) = WithReplica(ServingSamples.Chunk("x", "stop"));
        replica.Refusal = new GenerationRequestException("the prompt has 2000 tokens; the context holds 1024", "messages", "context_length_exceeded");

        (int code, _, string stderr) = await cluster.RunAsync("generate", "web", "Tell me");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: the prompt has 2000 tokens; the context holds 1024", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task AStreamWithoutAFinishReasonIsExitCode1()
    {
        (FakeCluster cluster, _) = WithReplica(ServingSamples.Chunk("Once"));

        (int code, string stdout, string stderr) = await cluster.RunAsync("generate", "web", "Tell me");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("Once\n", stdout);
        Assert.Equal("actorai generate: deployment web ended the stream without a finish reason.", Assert.Single(Lines(stderr)));
    }

    /// <summary>A string writer that records its text at each flush and lets a test await a flushed text.</summary>
    private sealed class FlushRecordingWriter : StringWriter
    {
        private readonly List<(string Text, TaskCompletionSource Flushed)> _waiters = [];

        public List<string> Flushes { get; } = [];

        public Task FlushedAsync(string text)
        {
            lock (_waiters)
            {
                if (Flushes.Contains(text))
                {
                    return Task.CompletedTask;
                }
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((text, waiter));
                return waiter.Task;
            }
        }

        public override void Flush()
        {
            Record();
            base.Flush();
        }

        public override Task FlushAsync()
        {
            Record();
            return base.FlushAsync();
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Record();
            return base.FlushAsync(cancellationToken);
        }

        private void Record()
        {
            lock (_waiters)
            {
                string text = ToString().TrimEnd('\n');
                Flushes.Add(text);
                foreach (var waiter in _waiters.Where(w => w.Text == text).ToList())
                {
                    waiter.Flushed.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
