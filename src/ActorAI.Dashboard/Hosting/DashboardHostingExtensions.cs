using ActorAI.Dashboard.Components;
using ActorAI.Dashboard.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorAI.Dashboard.Hosting;

/// <summary>Adds the ActorAI dashboard to an ASP.NET Core host that already has an <see cref="Client.ActorAIClient"/> and authentication.</summary>
public static class DashboardHostingExtensions
{
    /// <summary>The dashboard's base path.</summary>
    public const string BasePath = "/dashboard";

    /// <summary>
    /// Registers the dashboard's services: Razor components with interactive server rendering, the cascading
    /// authentication state, and the data seam over the registered <see cref="Client.ActorAIClient"/>. Also serves the
    /// static web assets (<c>blazor.web.js</c>, the stylesheet) when the host runs from its build output rather than a
    /// publish folder, in any environment.
    /// </summary>
    public static WebApplicationBuilder AddActorAIDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // A no-op when there is no static web assets manifest next to the app (a published app has its files in wwwroot).
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, RevokedKeyRevalidator>();
        builder.Services.AddScoped<IDashboardData, ClusterDashboardData>();
        return builder;
    }

    /// <summary>
    /// Maps the dashboard under <see cref="BasePath"/> and sends signed-in users from <c>/</c> to it. The host calls
    /// <c>UseAuthentication</c>, <c>UseAuthorization</c> and <c>UseAntiforgery</c> before this; every page needs a
    /// signed-in user (the host's fallback policy), and actions check roles on the server.
    /// </summary>
    public static IEndpointRouteBuilder MapActorAIDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapStaticAssets();
        endpoints.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        endpoints.MapGet("/", () => Results.Redirect(BasePath));
        return endpoints;
    }
}
