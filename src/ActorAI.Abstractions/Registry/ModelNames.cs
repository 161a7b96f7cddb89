using System.Diagnostics.CodeAnalysis;

namespace ActorAI.Abstractions.Registry;

/// <summary>
/// Model names and alias names of the registry. Both are 1 to <see cref="MaxLength"/> ASCII letters, digits, <c>-</c>,
/// <c>_</c> and <c>.</c>, starting with a letter or digit (the deployment and dataset name rule). An alias must also not
/// be all digits (that reads as a version number) nor <see cref="Latest"/>. The grain, the client, the HTTP API and the
/// CLI all check with these.
/// </summary>
public static class ModelNames
{
    /// <summary>The longest name or alias.</summary>
    public const int MaxLength = 64;

    /// <summary>The version word for the newest version; not an alias.</summary>
    public const string Latest = "latest";

    /// <summary>The character rule, for messages.</summary>
    public const string Rule = "1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>Whether <paramref name="name"/> is a valid model name.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Whether <paramref name="alias"/> is a valid alias name.</summary>
    public static bool IsValidAlias([NotNullWhen(true)] string? alias) =>
        IsValid(alias) && alias != Latest && !alias.All(char.IsAsciiDigit);

    /// <summary>What is wrong with a model name (starting <c>name:</c> and giving the rule), or <see langword="null"/>.</summary>
    public static string? Problem(string? name) =>
        IsValid(name) ? null : $"name: a model name is {Rule} (was '{name}')";

    /// <summary>What is wrong with an alias (starting <c>alias:</c> and giving the rule), or <see langword="null"/>.</summary>
    public static string? AliasProblem(string? alias) =>
        IsValidAlias(alias) ? null : $"alias: an alias is {Rule}, not all digits and not '{Latest}' (was '{alias}')";

    /// <summary>Throws when the model name is not valid.</summary>
    /// <exception cref="ModelRegistryException">The name breaks the rule; the message gives it.</exception>
    public static void ThrowIfInvalid(string? name)
    {
        if (Problem(name) is { } problem)
        {
            throw new ModelRegistryException(problem);
        }
    }

    /// <summary>Throws when the alias is not valid.</summary>
    /// <exception cref="ModelRegistryException">The alias breaks the rule; the message gives it.</exception>
    public static void ThrowIfInvalidAlias(string? alias)
    {
        if (AliasProblem(alias) is { } problem)
        {
            throw new ModelRegistryException(problem);
        }
    }
}
