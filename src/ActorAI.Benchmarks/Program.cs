using ActorAI.Benchmarks;

return args switch
{
    ["training", ..] => await TrainingBenchmark.RunAsync(args[1..]),
    ["serving", ..] => await ServingBenchmark.RunAsync(args[1..]),
    ["pipeline", ..] => await PipelineBenchmark.RunAsync(args[1..]),
    ["metrics", ..] => await MetricsBenchmark.RunAsync(args[1..]),
    ["artifacts", ..] => await ArtifactBenchmark.RunAsync(args[1..]),
    ["dashboard", ..] => await DashboardBenchmark.RunAsync(args[1..]),
    ["tcp-sink", ..] => await ArtifactBenchmark.TcpSinkAsync(args[1..]),
    ["tcp-send", ..] => await ArtifactBenchmark.TcpSendAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: actorai-bench training [--data DIR] [--steps N] [--preset small] [--global-batch 16] [--threads N]");
    Console.Error.WriteLine("       actorai-bench artifacts --gateway IP:PORT[,...] --kill CMD [--size-mb 128] [--count 4] [--cluster-id ID] [--tls-cert F --tls-key F --tls-ca F]");
    Console.Error.WriteLine("       actorai-bench tcp-sink --listen IP:PORT | tcp-send --to IP:PORT [--mb 1024]");
    Console.Error.WriteLine("       actorai-bench dashboard [--jobs 10000] [--versions 1000] [--requests 40] [--samples 20] [--chromium /usr/bin/chromium]");
    Console.Error.WriteLine("       actorai-bench serving [--preset small | --checkpoint PATH] [--tokens 128] [--concurrency 1,8,32] [--threads N]");
    Console.Error.WriteLine("       actorai-bench pipeline [--preset medium] [--context 1024] [--concurrency 8] [--requests 16] [--tokens 64] [--rounds 3] [--stages 1,2,4]");
    Console.Error.WriteLine("       actorai-bench metrics [--preset small | --checkpoint PATH] [--tokens 64] [--rounds 8] [--concurrency 8] [--requests 32] [--control] [--threads N]");
    return 2;
}
