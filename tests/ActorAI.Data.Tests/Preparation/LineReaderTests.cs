using System.Text;
using ActorAI.Data.Preparation;

namespace ActorAI.Data.Tests.Preparation;

public sealed class LineReaderTests
{
    [Fact]
    public void Splits_at_newlines_keeps_carriage_returns_skips_a_bom_and_counts_bytes()
    {
        byte[] input = [0xEF, 0xBB, 0xBF, .. "one\r\ntwo\n\nlast"u8];
        List<(long Line, string Text)> lines = ReadAll(input, maxLineBytes: 100, out LineReader reader);
        Assert.Equal([(1L, "one\r"), (2L, "two"), (3L, ""), (4L, "last")], lines);
        Assert.Equal(input.Length, reader.BytesConsumed);
    }

    [Fact]
    public void An_oversized_line_is_skipped_without_buffering_and_reading_continues_after_it()
    {
        string longLine = new('x', 300_000);
        byte[] input = Encoding.ASCII.GetBytes($"short\n{longLine}\nafter\n{new string('y', 90)}\n");
        var reader = new LineReader(new MemoryStream(input), maxLineBytes: 100);
        var seen = new List<(long, bool, long, string)>();
        while (reader.ReadLine())
        {
            seen.Add((reader.LineNumber, reader.Oversized, reader.LineBytes, Encoding.ASCII.GetString(reader.Line)));
        }
        Assert.Equal([(1L, false, 5L, "short"), (2L, true, 300_000L, ""), (3L, false, 5L, "after"), (4L, false, 90L, new string('y', 90))], seen);
        Assert.Equal(input.Length, reader.BytesConsumed);
    }

    [Fact]
    public void Lines_longer_than_the_initial_buffer_are_returned_whole()
    {
        string big = string.Concat(Enumerable.Range(0, 50_000).Select(i => (char)('a' + i % 26)));
        List<(long Line, string Text)> lines = ReadAll(Encoding.ASCII.GetBytes($"{big}\n{big}"), maxLineBytes: 1 << 20, out _);
        Assert.Equal([(1L, big), (2L, big)], lines);
    }

    [Fact]
    public void An_empty_stream_has_no_lines() => Assert.Empty(ReadAll([], 10, out _));

    private static List<(long Line, string Text)> ReadAll(byte[] input, int maxLineBytes, out LineReader reader)
    {
        // A stream that returns at most 7 bytes per read exercises every buffer boundary.
        reader = new LineReader(new TrickleStream(input, 7), maxLineBytes);
        var lines = new List<(long, string)>();
        while (reader.ReadLine())
        {
            lines.Add((reader.LineNumber, Encoding.UTF8.GetString(reader.Line)));
        }
        return lines;
    }

    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
