using ActorAI.Dashboard.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace ActorAI.Dashboard.Tests;

/// <summary>A bUnit context with the in-memory data seam and a signed-in user with the given roles.</summary>
public abstract class DashboardTestContext : BunitContext
{
    internal InMemoryDashboardData Data { get; } = new();

    protected DashboardTestContext()
    {
        Services.AddSingleton<IDashboardData>(Data);
    }

    /// <summary>Signs in with <paramref name="roles"/>; call before anything renders (it registers services).</summary>
    protected void SignIn(params string[] roles)
    {
        AddAuthorization().SetAuthorized("tester").SetRoles(roles);
        // The pages enable their buttons only once interactive (as on the circuit).
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected void Navigate(string uri) => Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
}
