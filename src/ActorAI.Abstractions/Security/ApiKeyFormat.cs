using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace ActorAI.Abstractions.Security;

/// <summary>
/// The form of API keys, <c>aai-ID-SECRET</c>: <c>ID</c> is the key's public id (<see cref="IdLength"/> lowercase hex
/// characters, the <see cref="IApiKeyGrain"/> key) and <c>SECRET</c> is 32 random bytes in base64url. Also the rules
/// for a key's name, roles and models, shared by the grain, the client and the HTTP front.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>What every key starts with.</summary>
    public const string Prefix = "aai-";

    /// <summary>Length of a key id in hex characters.</summary>
    public const int IdLength = 12;

    /// <summary>Random bytes in a key's secret.</summary>
    public const int SecretBytes = 32;

    /// <summary>Longest key name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Longest model (deployment) name in a key's allowlist.</summary>
    public const int MaxModelLength = 64;

    /// <summary>A new random key id.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));

    /// <summary>Whether <paramref name="id"/> is <see cref="IdLength"/> lowercase hex characters.</summary>
    public static bool IsValidId([NotNullWhen(true)] string? id) =>
        id is { Length: IdLength } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>A new key for <paramref name="id"/> with a fresh random secret.</summary>
    public static string NewKey(string id) =>
        $"{Prefix}{id}-{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes))}";

    /// <summary>The id inside a presented key, or <see langword="false"/> when it is not of the form <c>aai-ID-SECRET</c>.</summary>
    public static bool TryParseId(string? key, [NotNullWhen(true)] out string? id)
    {
        id = null;
        if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length <= Prefix.Length + IdLength + 1
            || key[Prefix.Length + IdLength] != '-')
        {
            return false;
        }
        string candidate = key.Substring(Prefix.Length, IdLength);
        if (!IsValidId(candidate))
        {
            return false;
        }
        id = candidate;
        return true;
    }

    /// <summary>The SHA-256 of a key's UTF-8 bytes: what is stored and compared.</summary>
    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>
    /// What is wrong with a key's settings, naming the field and the limit, or <see langword="null"/> when they are valid:
    /// a name of 1 to <see cref="MaxNameLength"/> characters, one or more of <see cref="ApiKeyRoles.All"/>, and models
    /// (when given) that are deployment names (1 to <see cref="MaxModelLength"/> letters, digits, '-', '_' or '.',
    /// starting with a letter or digit; an empty list is refused so that it cannot be mistaken for "every deployment").
    /// The message starts with the field's name.
    /// </summary>
    public static string? Problem(string? name, IReadOnlyList<string>? roles, IReadOnlyList<string>? models)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            return $"name must be 1 to {MaxNameLength} characters, not blank (was {name?.Length ?? 0} characters).";
        }
        if (roles is null || roles.Count == 0)
        {
            return $"roles must list at least one of {string.Join(", ", ApiKeyRoles.All)}.";
        }
        foreach (string? role in roles)
        {
            if (role is null || !ApiKeyRoles.All.Contains(role, StringComparer.Ordinal))
            {
                return $"roles may only contain {string.Join(", ", ApiKeyRoles.All)} (was '{role}').";
            }
        }
        if (models is { Count: 0 })
        {
            return "models must list at least one deployment, or be left out to allow every deployment.";
        }
        foreach (string? model in models ?? [])
        {
            if (!IsValidModel(model))
            {
                return $"models entries must be deployment names: 1 to {MaxModelLength} letters, digits, '-', '_' or '.', starting with a letter or digit (was '{model}').";
            }
        }
        return null;
    }

    /// <summary>Throws when <see cref="Problem"/> finds something wrong.</summary>
    /// <exception cref="ArgumentException">The settings are invalid; <see cref="ArgumentException.ParamName"/> is the field.</exception>
    public static void ThrowIfInvalid(string? name, IReadOnlyList<string>? roles, IReadOnlyList<string>? models)
    {
        if (Problem(name, roles, models) is { } problem)
        {
            throw new ArgumentException(problem, problem[..problem.IndexOf(' ', StringComparison.Ordinal)]);
        }
    }

    private static bool IsValidModel(string? model) =>
        !string.IsNullOrEmpty(model) && model.Length <= MaxModelLength && char.IsAsciiLetterOrDigit(model[0])
        && model.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
