using System.Globalization;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>An OpenAI error with its HTTP status (and, for 429, when to retry).</summary>
internal sealed record OpenAIFailure(int Status, OpenAIError Error, TimeSpan? RetryAfter = null)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    public static OpenAIFailure BadRequest(string message, string? param, string? code = null) =>
        new(StatusCodes.Status400BadRequest, new OpenAIError(message, InvalidRequest, param, code));

    public static OpenAIFailure ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound,
            new OpenAIError($"The model '{model}' does not exist or you do not have access to it.", InvalidRequest, "model", "model_not_found"));

    public static OpenAIFailure ModelNotAllowed(string model) =>
        new(StatusCodes.Status403Forbidden,
            new OpenAIError($"This API key may not use the model '{model}'.", "permission_error", "model", "model_not_allowed"));

    public static OpenAIFailure FromBody(JsonBodyError error) => error.Fault switch
    {
        JsonBodyFault.TooLarge => new(error.Status, new OpenAIError(error.Message, InvalidRequest, null, "request_too_large")),
        JsonBodyFault.UnsupportedMediaType => new(error.Status, new OpenAIError(error.Message, InvalidRequest, null, "unsupported_media_type")),
        _ => BadRequest(error.Message, error.Field, "invalid_json"),
    };

    /// <summary>The OpenAI error for a failure of a generation; anything unexpected is a 500 (and is logged by the caller).</summary>
    public static OpenAIFailure FromException(Exception exception, string model) => exception switch
    {
        GenerationRequestException e => BadRequest(e.Message, e.Param, e.Code),
        DeploymentNotFoundException => ModelNotFound(model),
        ServiceOverloadedException e => new(StatusCodes.Status429TooManyRequests,
            new OpenAIError(e.Message, "requests", null, "rate_limit_exceeded"), e.RetryAfter),
        DeploymentException e => new(StatusCodes.Status503ServiceUnavailable,
            new OpenAIError(e.Message, ServerError, "model", "model_unavailable")),
        _ => new(StatusCodes.Status500InternalServerError,
            new OpenAIError("The server had an error while processing your request.", ServerError, null, null)),
    };

    public static bool IsExpected(Exception exception) =>
        exception is GenerationRequestException or DeploymentNotFoundException or ServiceOverloadedException or DeploymentException;

    public IResult ToResult(HttpContext context)
    {
        if (RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return Results.Json(new OpenAIErrorBody(Error), OpenAIJson.Options, statusCode: Status);
    }
}
