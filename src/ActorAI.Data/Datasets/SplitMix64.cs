namespace ActorAI.Data.Datasets;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose output is fixed by its definition, unlike
/// <see cref="Random"/>, whose algorithm may change between runtime versions. Dataset splits and sample orders derive
/// from it, so they stay the same on every machine and every .NET version.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) without modulo bias (Lemire's method).</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        UInt128 product = (UInt128)Next() * bound;
        ulong low = (ulong)product;
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold)
            {
                product = (UInt128)Next() * bound;
                low = (ulong)product;
            }
        }
        return (ulong)(product >> 64);
    }

    /// <summary>The SplitMix64 finalizer: a bijective mix of all 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
