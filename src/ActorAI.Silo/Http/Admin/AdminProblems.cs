using ActorAI.Silo.Options;

namespace ActorAI.Silo.Http.Admin;

/// <summary>RFC 7807 problem responses of the admin API; validation problems are keyed by the field at fault.</summary>
internal static class AdminProblems
{
    public static IResult NotFound(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message);

    /// <summary>Problems written as <c>field: message</c> (as <c>DeploymentSpec.Validate</c> and the registry write them), keyed by field.</summary>
    public static IResult Invalid(IReadOnlyList<string> errors, string defaultField)
    {
        Dictionary<string, string[]> byField = errors
            .Select(e => (Field: FieldOf(e) ?? defaultField, Message: e))
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        return Results.ValidationProblem(byField, detail: string.Join("; ", errors));
    }

    /// <summary>Reads a JSON body with the configured size limit; an unreadable body is a problem naming the field.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadBodyAsync<T>(HttpContext context, HttpOptions options)
        where T : class
    {
        (T? value, JsonBodyError? error) = await JsonBody.ReadAsync<T>(context, AdminJson.Options, options.MaxRequestBodyBytes);
        if (error is null)
        {
            return (value, null);
        }
        return (null, error.Fault switch
        {
            JsonBodyFault.TooLarge => Results.Problem(error.Message, statusCode: error.Status, title: "Request body too large"),
            JsonBodyFault.UnsupportedMediaType => Results.Problem(error.Message, statusCode: error.Status, title: "Unsupported media type"),
            _ => Invalid(error.Field ?? "body", error.Message),
        });
    }

    private static string? FieldOf(string error)
    {
        int colon = error.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && error[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.') ? error[..colon] : null;
    }
}
