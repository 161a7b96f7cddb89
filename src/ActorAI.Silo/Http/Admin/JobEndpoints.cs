using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;

namespace ActorAI.Silo.Http.Admin;

/// <summary><c>/api/jobs</c> (role <c>train</c> or admin): list, inspect, cancel, pause and resume training jobs.</summary>
internal static class JobEndpoints
{
    public static RouteGroupBuilder MapJobEndpoints(this RouteGroupBuilder api)
    {
        RouteGroupBuilder jobs = api.MapGroup("/jobs").RequireAuthorization(AuthSchemes.TrainRole);
        jobs.MapGet("/", ListAsync);
        jobs.MapGet("/{id}", GetAsync);
        jobs.MapPost("/{id}/cancel", (ActorAIClient client, string id) => ControlAsync(id, client.CancelTrainingJobAsync));
        jobs.MapPost("/{id}/pause", (ActorAIClient client, string id) => ControlAsync(id, client.PauseTrainingJobAsync));
        jobs.MapPost("/{id}/resume", (ActorAIClient client, string id) => ControlAsync(id, client.ResumeTrainingJobAsync));
        return api;
    }

    private static async Task<IResult> ListAsync(ActorAIClient client, CancellationToken cancellationToken) =>
        Results.Json(await client.ListTrainingJobsAsync(cancellationToken), AdminJson.Options);

    private static async Task<IResult> GetAsync(ActorAIClient client, string id)
    {
        if (!TrainingJobIds.IsValid(id))
        {
            return JobNotFound(id);
        }
        return await client.GetTrainingJobAsync(id) is { } job ? Results.Json(job, AdminJson.Options) : JobNotFound(id);
    }

    private static async Task<IResult> ControlAsync(string id, Func<string, Task<TrainingJobInfo>> command)
    {
        if (!TrainingJobIds.IsValid(id))
        {
            return JobNotFound(id);
        }
        try
        {
            return Results.Json(await command(id), AdminJson.Options);
        }
        catch (TrainingJobNotFoundException)
        {
            return JobNotFound(id);
        }
        catch (TrainingJobException e)
        {
            return AdminProblems.Invalid(e.Errors, "status");
        }
    }

    private static IResult JobNotFound(string id) => AdminProblems.NotFound($"training job '{id}' does not exist");
}
