using System.Collections.Concurrent;
using System.Threading.Channels;
using TorchSharp;

namespace ActorAI.Grains.Training;

/// <summary>
/// Heavy compute on this silo goes through a fixed number of lanes (cores ÷ LibTorch intra-op threads), each one
/// long-lived thread off the grain scheduler. Two trainers on one silo then take turns at full speed — one computes
/// while the other pulls or pushes — instead of oversubscribing the cores with competing OpenMP threads; and a lane's
/// work always starts from the same thread, so LibTorch's OpenMP team is made once per lane and reused, as in the
/// single-threaded reference loop, instead of once per thread-pool thread that happened to pick the work up.
/// </summary>
internal class ComputeLanes
{
    private readonly Channel<Lane> _free;

    public ComputeLanes()
    {
        int lanes = Math.Max(1, Environment.ProcessorCount / Math.Max(1, torch.get_num_threads()));
        _free = Channel.CreateBounded<Lane>(lanes);
        for (int i = 0; i < lanes; i++)
        {
            _free.Writer.TryWrite(new Lane($"compute lane {i}"));
        }
    }

    /// <summary>Cores of this process: the most intra-op threads one piece of work may use.</summary>
    public int Cores { get; } = Environment.ProcessorCount;

    /// <summary>The silo's intra-op thread count (as configured when the lanes were made): work that asks for none runs with it.</summary>
    public int DefaultThreads { get; } = torch.get_num_threads();

    /// <summary>
    /// Runs <paramref name="work"/> on a lane with <paramref name="intraOpThreads"/> LibTorch threads (clamped to
    /// <see cref="Cores"/>; 0 keeps the process's setting).
    /// </summary>
    public virtual async Task<T> RunAsync<T>(Func<T> work, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(work);
        int threads = Math.Min(Math.Max(0, intraOpThreads), Cores);
        Lane lane = await _free.Reader.ReadAsync().ConfigureAwait(false);
        try
        {
            return await lane.RunAsync(() => WithThreads(work, threads > 0 ? threads : DefaultThreads)).ConfigureAwait(false);
        }
        finally
        {
            _free.Writer.TryWrite(lane);
        }
    }

    // TorchSharp has no per-call thread count, and torch.set_num_threads is process-wide in effect: with LibTorch's
    // OpenMP build it sets the calling thread's OpenMP team size *and* the default every thread adopts on its first
    // parallel op. So a lane owns the setting while its work runs on its thread and then puts the silo's default
    // back (not the thread's previous value, which another lane's work may have left): a job's thread count never
    // outlives its step, nor becomes the silo's default.
    private T WithThreads<T>(Func<T> work, int threads)
    {
        torch.set_num_threads(threads);
        try
        {
            return work();
        }
        finally
        {
            torch.set_num_threads(DefaultThreads);
        }
    }

    /// <summary>One background thread that runs the work given to it, one piece at a time.</summary>
    private sealed class Lane
    {
        private readonly BlockingCollection<Action> _work = [];

        public Lane(string name) => new Thread(() =>
        {
            foreach (Action action in _work.GetConsumingEnumerable())
            {
                action();
            }
        }) { IsBackground = true, Name = name }.Start();

        public Task<T> RunAsync<T>(Func<T> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception ex)
                {
                    done.SetException(ex); // the caller's await rethrows it
                }
            });
            return done.Task;
        }
    }
}
