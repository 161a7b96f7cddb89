using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace ActorAI.Silo.Http;

/// <summary>Why a JSON request body could not be read: HTTP status, message, and the field at fault (if one is).</summary>
internal sealed record JsonBodyError(int Status, string Message, string? Field);

/// <summary>
/// Reads a JSON request body with a size limit. The APIs read bodies themselves rather than through parameter binding
/// so that malformed JSON, invalid UTF-8, a wrong type or an oversized body each get the API's own error shape
/// (OpenAI's or ProblemDetails) with the offending field named.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, JsonBodyError? Error)> ReadAsync<T>(HttpContext context, JsonSerializerOptions options, long maxBytes)
        where T : class
    {
        HttpRequest request = context.Request;
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
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes.", null);

    // "$.messages[0].content" -> "messages[0].content"; "$" (the whole body) -> no field.
    private static string? Field(string? path) =>
        path is null || path.Length <= 2 || !path.StartsWith("$.", StringComparison.Ordinal) ? null : path[2..];
}
