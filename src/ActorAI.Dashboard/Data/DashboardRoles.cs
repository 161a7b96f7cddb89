using System.Security.Claims;
using ActorAI.Abstractions.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace ActorAI.Dashboard.Data;

/// <summary>
/// What the signed-in user may do, with the same rules as the admin API: <c>admin</c> everything (keys, deployments,
/// aliases); <c>train</c> jobs and model registration; <c>infer</c> read-only views. Pages check these on the server
/// before every action, not only when drawing buttons.
/// </summary>
public sealed record DashboardRoles(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string>? Deployments = null)
{
    /// <summary>Claim type listing one deployment a key may use (the silo's <c>AuthSchemes.ModelClaim</c>); none means all.</summary>
    public const string DeploymentClaim = "actorai.model";

    /// <summary>No user: no rights.</summary>
    public static DashboardRoles None { get; } = new("", []);

    /// <summary>Whether the user may chat with <paramref name="deployment"/>: admin, or infer with no deployment list or one naming it (as under <c>/v1</c>).</summary>
    public bool CanChat(string deployment) =>
        IsAdmin || (Roles.Contains(ApiKeyRoles.Infer) && (Deployments is null || Deployments.Contains(deployment)));

    /// <summary>Keys, deployments, alias moves (the <c>/api</c> admin-only routes).</summary>
    public bool IsAdmin => Roles.Contains(ApiKeyRoles.Admin);

    /// <summary>Pause, resume, cancel and scale jobs; register versions (the <c>/api</c> train routes).</summary>
    public bool CanTrain => IsAdmin || Roles.Contains(ApiKeyRoles.Train);

    /// <summary>The roles of <paramref name="user"/>.</summary>
    public static DashboardRoles From(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true
            ? new DashboardRoles(user.Identity.Name ?? "", [.. ApiKeyRoles.All.Where(user.IsInRole)],
                user.FindAll(DeploymentClaim).Select(c => c.Value).ToList() is { Count: > 0 } deployments ? deployments : null)
            : None;

    /// <summary>The roles of the cascaded authentication state.</summary>
    public static async Task<DashboardRoles> FromAsync(Task<AuthenticationState>? state) =>
        state is null ? None : From((await state.ConfigureAwait(false)).User);

    /// <summary>Throws unless the user is an admin.</summary>
    /// <exception cref="UnauthorizedAccessException">Not an admin.</exception>
    public void RequireAdmin()
    {
        if (!IsAdmin)
        {
            throw new UnauthorizedAccessException("this action needs the admin role");
        }
    }

    /// <summary>Throws unless the user has the train or admin role.</summary>
    /// <exception cref="UnauthorizedAccessException">Neither role.</exception>
    public void RequireTrain()
    {
        if (!CanTrain)
        {
            throw new UnauthorizedAccessException("this action needs the train or admin role");
        }
    }
}
