using ActorAI.Abstractions.Training;
using ActorAI.Grains.Training;

namespace ActorAI.Grains.Tests.Training;

public sealed class MetricsPagesTests
{
    [Fact]
    public void RecordsFillPagesInOrderAndEachPageKnowsItsHighestStep()
    {
        MetricsIndex index = Append(MetricsIndex.Empty, Enumerable.Range(1, 250));

        Assert.Equal(250, index.Count);
        Assert.Equal(0, index.FirstPage);
        Assert.Equal(new long[] { 100, 200, 250 }, index.PageHighestSteps);
        Assert.Equal(new[] { (1L, 100), (2L, 50) }, MetricsPages.PagesAfter(index, 150));
    }

    [Fact]
    public void StepsRunAgainAfterARecoveryMakeAPageReadAgainFromAnEarlierStep()
    {
        // Steps 1..120, then a recovery to checkpoint 100 re-runs 101..130: page 1 holds 101..120 and 101..180's start.
        MetricsIndex index = Append(MetricsIndex.Empty, [.. Enumerable.Range(1, 120), .. Enumerable.Range(101, 30)]);

        Assert.Equal(new long[] { 100, 130 }, index.PageHighestSteps);
        Assert.Equal(new[] { (1L, 50) }, MetricsPages.PagesAfter(index, 110));
    }

    [Fact]
    public void WholePagesBeyondTheLastTenThousandRecordsAreDropped()
    {
        (MetricsIndex index, IReadOnlyList<long> dropped) = (Append(MetricsIndex.Empty, Enumerable.Range(1, 10_099)), []);
        Assert.Equal(0, index.FirstPage);

        (index, dropped) = MetricsPages.Append(index, Metrics(10_100));

        Assert.Equal(new long[] { 0 }, dropped);
        Assert.Equal(1, index.FirstPage);
        Assert.Equal(100, index.PageHighestSteps.Count);
        Assert.Equal(10_000, index.Count - index.FirstPage * MetricsPages.PageSize);
        Assert.Equal(1L, MetricsPages.PagesAfter(index, 0).First().Page);
    }

    private static MetricsIndex Append(MetricsIndex index, IEnumerable<int> steps)
    {
        foreach (int step in steps)
        {
            index = MetricsPages.Append(index, Metrics(step)).Next;
        }
        return index;
    }

    private static TrainingMetrics Metrics(long step) => new(step, 1.0, 1e-3, 1.0, 100, 1, 1, 1, 1, 1, 0);
}
