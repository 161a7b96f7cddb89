using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace ActorAI.Silo.Http;

/// <summary>
/// Why a JSON request body could not be read: HTTP status, message, the field at fault (if one is) and what kind of
/// fault it is, so that each API can give it its own error code.
/// </summary>
internal sealed record JsonBodyError(int Status, string Message, string? Field, JsonBodyFault Fault = JsonBodyFault.Malformed);

/// <summary>What was wrong with a request body.</summary>
internal enum JsonBodyFault
{
    /// <summary>Not JSON, not UTF-8, or a value of the wrong type.</summary>
    Malformed,
    /// <summary>Longer than the limit (413).</summary>
    TooLarge,
    /// <summary>A Content-Type other than JSON (415).</summary>
    UnsupportedMediaType,
    /// <summary>A field the contract does not have (options with <see cref="System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow"/>).</summary>
    UnknownField,
}

/// <summary>
/// Reads a JSON request body with a size limit. The APIs read bodies themselves rather than through parameter binding
/// so that malformed JSON, invalid UTF-8, a wrong type or an oversized body each get the API's own error shape
/// (OpenAI's or ProblemDetails) with the offending field named. A body must be sent as JSON
/// (<c>application/json</c> or a <c>+json</c> type): text/plain or a form is refused with 415 rather than guessed at.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, JsonBodyError? Error)> ReadAsync<T>(HttpContext context, JsonSerializerOptions options, long maxBytes)
        where T : class
    {
        HttpRequest request = context.Request;
        if (!request.HasJsonContentType())
        {
            string given = string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{request.ContentType}'";
            return (null, new JsonBodyError(StatusCodes.Status415UnsupportedMediaType,
                $"The request body must be JSON, sent with 'Content-Type: application/json' (the Content-Type was {given}).",
                null, JsonBodyFault.UnsupportedMediaType));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        // Kestrel enforces the limit while a body without Content-Length (chunked) is read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
        byte[]? body;
        try
        {
            body = await ReadBoundedAsync(request.Body, maxBytes, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body = null;
        }
        if (body is null)
        {
            return (null, TooLarge(maxBytes));
        }
        // Checked on the whole body: strings kept as JsonElement are only transcoded when read, too late for a 400.
        if (!Utf8.IsValid(body))
        {
            return (null, new JsonBodyError(StatusCodes.Status400BadRequest, "The request body is not valid UTF-8.", null));
        }
        try
        {
            T? value = JsonSerializer.Deserialize<T>(body, options);
            return value is null
                ? (null, new JsonBodyError(StatusCodes.Status400BadRequest, "The request body must be a JSON object.", null))
                : (value, null);
        }
        catch (JsonException e) when (UnknownField(e, options.GetTypeInfo(typeof(T))) is { } unknown)
        {
            return (null, new JsonBodyError(StatusCodes.Status400BadRequest, unknown.Message, unknown.Field, JsonBodyFault.UnknownField));
        }
        catch (JsonException e)
        {
            // A syntax error carries the reader's exception and a path that only says how far parsing got; a value of
            // the wrong type has a path naming its field.
            string? field = e.InnerException is JsonException ? null : Field(e.Path);
            return (null, new JsonBodyError(StatusCodes.Status400BadRequest, $"We could not parse the JSON body of your request: {e.Message}", field));
        }
    }

    // The body, or null when it is longer than maxBytes.
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static JsonBodyError TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes.", null, JsonBodyFault.TooLarge);

    // System.Text.Json reports an unmapped member (JsonUnmappedMemberHandling.Disallow) as "The JSON property 'NAME' could
    // not be mapped to any .NET member contained in type 'T'." with the path of the object holding it (or of the member
    // itself, depending on where the reader stopped). The .NET type name is not for API callers: the answer names the
    // field by its JSON path and the object it is in.
    private const string UnmappedPrefix = "The JSON property '";
    private const string UnmappedSuffix = "' could not be mapped";

    private static (string Field, string Message)? UnknownField(JsonException e, JsonTypeInfo root)
    {
        string message = e.Message;
        if (!message.StartsWith(UnmappedPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        int end = message.IndexOf(UnmappedSuffix, UnmappedPrefix.Length, StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }
        string name = message[UnmappedPrefix.Length..end];
        string? path = Field(e.Path);
        string? parent = path is null || path == name
            ? null
            : path.EndsWith("." + name, StringComparison.Ordinal) ? path[..^(name.Length + 1)] : path;
        string field = parent is null ? name : $"{parent}.{name}";
        string where = parent is null ? "the request body" : $"'{parent}'";
        string known = KnownFields(root, parent) is { Count: > 0 } fields ? $" (known fields there: {string.Join(", ", fields)})" : "";
        return (field, $"{field}: unknown field '{name}' in {where}{known}.");
    }

    // The JSON names of the object at `path` ("canary", "messages[0]") under the contract `root`; empty when the path
    // does not lead to an object contract.
    private static List<string> KnownFields(JsonTypeInfo root, string? path)
    {
        JsonTypeInfo? current = root;
        foreach (string segment in (path ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            int bracket = segment.IndexOf('[', StringComparison.Ordinal);
            string name = bracket < 0 ? segment : segment[..bracket];
            JsonPropertyInfo? property = current?.Properties.FirstOrDefault(p => p.Name == name);
            current = property is null ? null : current!.Options.GetTypeInfo(property.PropertyType);
            if (bracket >= 0 && current?.ElementType is { } element)
            {
                current = current.Options.GetTypeInfo(element);
            }
        }
        return current is { Kind: JsonTypeInfoKind.Object } ? [.. current.Properties.Select(p => p.Name)] : [];
    }

    // "$.messages[0].content" -> "messages[0].content"; "$" (the whole body) -> no field.
    private static string? Field(string? path) =>
        path is null || path.Length <= 2 || !path.StartsWith("$.", StringComparison.Ordinal) ? null : path[2..];
}
