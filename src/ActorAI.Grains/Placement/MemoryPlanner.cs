using System.IO.Hashing;
using System.Text;
using ActorAI.Abstractions.Cluster;

namespace ActorAI.Grains.Placement;

/// <summary>
/// The pure choices of memory-aware placement: which silos may take work of a role, and which of them takes a grain
/// that needs so many bytes. No cluster: the director and the planners that size work feed it what they read.
/// </summary>
internal static class MemoryPlanner
{
    /// <summary>
    /// The silos that may host work of <paramref name="role"/>: those advertising it (all when none does), in address
    /// order. A silo that advertises nothing counts as having no roles and unknown memory.
    /// </summary>
    public static IReadOnlyList<(SiloAddress Silo, SiloResources? Resources)> ForRole(
        IEnumerable<(SiloAddress Silo, SiloResources? Resources)> silos, string role)
    {
        var candidates = silos.OrderBy(s => s.Silo.ToParsableString(), StringComparer.Ordinal).ToArray();
        var pool = candidates.Where(c => c.Resources?.Roles.Contains(role) == true).ToArray();
        return pool.Length > 0 ? pool : candidates;
    }

    /// <summary>
    /// The silo for a grain that needs <paramref name="needBytes"/>, or <see langword="null"/> when none has that much
    /// free. The hint wins when it fits. Otherwise GPU silos come first (CPU silos only when no GPU silo fits), and among
    /// those that fit the one with the most free memory — so load spreads — with ties broken by the grain's key: member
    /// <c>i</c> of a job prefers silo <c>(hash(job) + i) mod n</c>, so same-sized ranks spread evenly as before.
    /// </summary>
    /// <param name="silos">The silos of the role, in address order (see <see cref="ForRole"/>).</param>
    /// <param name="needBytes">The grain's declared need.</param>
    /// <param name="key">The grain's key, <c>job/index</c>.</param>
    /// <param name="hint">A silo the caller asked for, if any.</param>
    public static SiloMemory? Choose(IReadOnlyList<SiloMemory> silos, long needBytes, string key, SiloAddress? hint = null)
    {
        ArgumentNullException.ThrowIfNull(silos);
        if (hint is not null && silos.FirstOrDefault(s => s.Silo.Equals(hint)) is { } hinted && Fits(hinted, needBytes))
        {
            return hinted;
        }
        foreach (bool gpu in (bool[])[true, false])
        {
            SiloMemory[] tier = [.. silos.Where(s => s.HasGpu == gpu)];
            if (!tier.Any(s => Fits(s, needBytes)))
            {
                continue;
            }
            int slot = Slot(key, tier.Length);
            return tier
                .Select((s, i) => (Silo: s, Rank: (i - slot + tier.Length) % tier.Length))
                .Where(c => Fits(c.Silo, needBytes))
                .OrderByDescending(c => c.Silo.FreeBytes)
                .ThenBy(c => c.Rank)
                .First().Silo;
        }
        return null;
    }

    /// <summary>
    /// Places <paramref name="members"/> one after the other as the director would, each taking its need from the silo
    /// it lands on; the refusal for the first that fits nowhere, or <see langword="null"/> when all fit.
    /// </summary>
    public static PlacementRefusedException? PlaceAll(IReadOnlyList<SiloMemory> silos, IEnumerable<MemberNeed> members, string role)
    {
        ArgumentNullException.ThrowIfNull(members);
        var current = silos.ToList();
        foreach (MemberNeed member in members)
        {
            if (Choose(current, member.NeedBytes, member.Key) is not { } choice)
            {
                return Refuse(member.What, current, member.NeedBytes, role);
            }
            int at = current.IndexOf(choice);
            current[at] = choice.OfferBytes == long.MaxValue ? choice : choice with { ReservedBytes = choice.ReservedBytes + member.NeedBytes };
        }
        return null;
    }

    /// <summary>The refusal for a grain no silo has room for, naming its need and the largest free amount.</summary>
    /// <param name="what">The grain, such as <c>replica 'chat/0'</c>.</param>
    /// <param name="silos">The silos of the role, with their free memory.</param>
    /// <param name="needBytes">The grain's declared need.</param>
    /// <param name="role">The role of those silos.</param>
    public static PlacementRefusedException Refuse(string what, IReadOnlyList<SiloMemory> silos, long needBytes, string role)
    {
        SiloMemory? largest = silos.OrderByDescending(s => s.FreeBytes).FirstOrDefault();
        return new PlacementRefusedException(what, needBytes, role, largest?.FreeBytes ?? 0, largest?.Silo.ToString());
    }

    /// <summary>Whether a grain of <paramref name="needBytes"/> fits in the silo's free memory.</summary>
    public static bool Fits(SiloMemory silo, long needBytes) => needBytes <= silo.FreeBytes;

    /// <summary>Member <c>i</c> of job <c>j</c> (key <c>j/i</c>) prefers slot <c>(hash(j) + i) mod count</c>.</summary>
    public static int Slot(string key, int count)
    {
        int slash = key.LastIndexOf('/');
        string job = slash < 0 ? key : key[..slash];
        uint jobHash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(job));
        long index = slash >= 0 && int.TryParse(key.AsSpan(slash + 1), out int i) ? i : 0;
        return (int)((jobHash + index) % (uint)count);
    }
}

/// <summary>One grain of a job or deployment and what it needs, for <see cref="MemoryPlanner.PlaceAll"/>.</summary>
/// <param name="What">How messages name it: <c>trainer 'job/0'</c>.</param>
/// <param name="Key">Its grain key, <c>job/index</c>.</param>
/// <param name="NeedBytes">Its declared need.</param>
internal sealed record MemberNeed(string What, string Key, long NeedBytes);
