using ActorAI.Dashboard.Components;
using ActorAI.Dashboard.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
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
    /// <param name="builder">The host.</param>
    /// <param name="hostAssemblyName">
    /// The assembly whose static web assets manifests to use when the running application has none of its own (the host
    /// started inside a test runner or a benchmark): the silo's. Default: the application's name.
    /// </param>
    public static WebApplicationBuilder AddActorAIDashboard(this WebApplicationBuilder builder, string? hostAssemblyName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var assets = DashboardAssets.Find(builder.Environment.ApplicationName, hostAssemblyName);
        builder.Services.AddSingleton(assets);
        if (assets.RuntimeManifest is { } runtime)
        {
            // Build output: the files stay in the source tree and package cache, listed by this manifest. A published app
            // has them in wwwroot and no such manifest.
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, runtime);
            builder.WebHost.UseStaticWebAssets();
        }
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
        RazorComponentsEndpointConventionBuilder components = endpoints.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        if (endpoints.ServiceProvider.GetRequiredService<DashboardAssets>().EndpointsManifest is { } manifest)
        {
            endpoints.MapStaticAssets(manifest);
            components.WithStaticAssets(manifest);
        }
        // Without any manifest (a host built without static web assets) the pages still render, without live updates.
        endpoints.MapGet("/", () => Results.Redirect(BasePath));
        return endpoints;
    }
}

/// <summary>Which static web assets manifests the host uses: its own, or (hosted in another process) the named host's.</summary>
/// <param name="EndpointsManifest">The endpoints manifest for <c>MapStaticAssets</c>; null for the application's default.</param>
/// <param name="RuntimeManifest">The build-output manifest listing where the files are; null when published.</param>
public sealed record DashboardAssets(string? EndpointsManifest, string? RuntimeManifest)
{
    /// <summary>The manifests next to the application, for <paramref name="applicationName"/> or else <paramref name="hostAssemblyName"/>.</summary>
    public static DashboardAssets Find(string applicationName, string? hostAssemblyName)
    {
        foreach (string? name in new[] { applicationName, hostAssemblyName })
        {
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }
            string endpoints = Path.Combine(AppContext.BaseDirectory, $"{name}.staticwebassets.endpoints.json");
            string runtime = Path.Combine(AppContext.BaseDirectory, $"{name}.staticwebassets.runtime.json");
            if (File.Exists(endpoints))
            {
                return new DashboardAssets(endpoints, File.Exists(runtime) ? runtime : null);
            }
        }
        return new DashboardAssets(null, null);
    }
}
