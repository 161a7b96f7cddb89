using ActorAI.Dashboard.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace ActorAI.Dashboard.Components;

/// <summary>
/// Base of every dashboard page: the data seam, the user's roles, an error line for failed loads and actions, and (for
/// live pages) a refresh loop that runs on the interactive circuit and pushes each change to the browser over it.
/// </summary>
public abstract class DashboardPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private bool _looping;

    [Inject] protected IDashboardData Data { get; set; } = default!;

    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The signed-in user's rights.</summary>
    protected DashboardRoles Roles { get; private set; } = DashboardRoles.None;

    /// <summary>The last load or action error, shown at the top of the page.</summary>
    protected string? Error { get; set; }

    /// <summary>A short confirmation of the last action.</summary>
    protected string? Notice { get; set; }

    /// <summary>How often the page reloads while open; <see langword="null"/> for a page that does not refresh.</summary>
    protected virtual TimeSpan? RefreshInterval => null;

    /// <summary>Whether the page is interactive yet (buttons are disabled until it is, so no click is lost).</summary>
    protected bool Live => RendererInfo.IsInteractive;

    /// <summary>Stops the refresh loop when the circuit ends.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>Loads the page's data (first render, parameter changes and each refresh).</summary>
    protected abstract Task LoadAsync();

    protected override async Task OnParametersSetAsync()
    {
        Roles = await DashboardRoles.FromAsync(AuthenticationState);
        await SafeLoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive && RefreshInterval is { } interval && !_looping)
        {
            _looping = true;
            _ = RefreshLoopAsync(interval);
        }
    }

    /// <summary>Runs an action, showing its error (or <paramref name="done"/>) instead of breaking the circuit, then reloads.</summary>
    protected async Task ActAsync(Func<Task> action, string? done = null)
    {
        Error = null;
        Notice = null;
        try
        {
            // The rights of the user now (a revoked key loses them mid-circuit), not when the page opened.
            Roles = await DashboardRoles.FromAsync(AuthenticationState);
            await action();
            Notice = done;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Error = ex.Message;
        }
        await SafeLoadAsync();
    }

    private async Task SafeLoadAsync()
    {
        try
        {
            await LoadAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Error = ex.Message;
        }
    }

    private async Task RefreshLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await SafeLoadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // the page was closed
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
