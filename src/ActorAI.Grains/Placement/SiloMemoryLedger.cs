using System.Diagnostics.CodeAnalysis;

namespace ActorAI.Grains.Placement;

/// <summary>
/// What the compute grains on this silo hold of the memory it offers (one per silo, a DI singleton). The placement
/// director reserves a grain's declared need here (through <see cref="ISiloMemoryGrain"/>) before the grain activates;
/// the activation confirms it and its deactivation releases it (<see cref="ComputeMemoryLifecycle"/> does both for every
/// compute grain). A reservation whose activation never comes — the grain was placed elsewhere meanwhile, or its
/// activation failed before it started — lapses after <see cref="ReservationTimeout"/>.
/// </summary>
internal sealed class SiloMemoryLedger(long offerBytes, TimeProvider clock)
{
    /// <summary>How long a reservation waits for its activation.</summary>
    public static readonly TimeSpan ReservationTimeout = TimeSpan.FromMinutes(2);

    private readonly Lock _lock = new();
    // Grain → its need and, until its activation confirms it, when the reservation lapses.
    private readonly Dictionary<GrainId, (long Bytes, DateTimeOffset? Lapses)> _entries = [];

    /// <summary>The memory (bytes) this silo offers to compute grains; <see cref="long.MaxValue"/> when unknown.</summary>
    public long OfferBytes { get; } = offerBytes;

    /// <summary>Memory (bytes) reserved by placements and held by activations.</summary>
    public long ReservedBytes
    {
        get
        {
            lock (_lock)
            {
                Purge();
                return _entries.Values.Sum(e => e.Bytes);
            }
        }
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> for <paramref name="grain"/> if they fit in what is free (a grain's earlier
    /// reservation here is replaced); false, reserving nothing, when they do not.
    /// </summary>
    public bool TryReserve(GrainId grain, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            Purge();
            long others = _entries.Where(e => !e.Key.Equals(grain)).Sum(e => e.Value.Bytes);
            if (OfferBytes != long.MaxValue && bytes > 0 && others + bytes > OfferBytes)
            {
                return false;
            }
            _entries[grain] = (bytes, clock.GetUtcNow() + ReservationTimeout);
            return true;
        }
    }

    /// <summary>
    /// The grain activated here: its reservation no longer lapses. False when there is none (it lapsed, or the grain was
    /// activated without placement); then the activation should <see cref="Hold"/> its need.
    /// </summary>
    public bool Activated(GrainId grain)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(grain, out var entry))
            {
                return false;
            }
            _entries[grain] = (entry.Bytes, null);
            return true;
        }
    }

    /// <summary>An activation here holds <paramref name="bytes"/> (until it deactivates), whether or not they fit.</summary>
    public void Hold(GrainId grain, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            _entries[grain] = (bytes, null);
        }
    }

    /// <summary>The grain deactivated here: its memory is free again.</summary>
    public void Deactivated(GrainId grain)
    {
        lock (_lock)
        {
            _entries.Remove(grain);
        }
    }

    /// <summary>What <paramref name="grain"/> holds or has reserved here.</summary>
    public bool TryGetReserved(GrainId grain, [NotNullWhen(true)] out long? bytes)
    {
        lock (_lock)
        {
            Purge();
            bytes = _entries.TryGetValue(grain, out var entry) ? entry.Bytes : null;
            return bytes is not null;
        }
    }

    private void Purge()
    {
        DateTimeOffset now = clock.GetUtcNow();
        foreach (GrainId lapsed in _entries.Where(e => e.Value.Lapses <= now).Select(e => e.Key).ToList())
        {
            _entries.Remove(lapsed);
        }
    }
}
