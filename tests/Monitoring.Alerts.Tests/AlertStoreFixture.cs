using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;
using Monitoring.Testing;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

/// <summary>
/// The Alerts service's store and HTTP API composed exactly as Program.cs does, on the real PostgreSQL,
/// in a schema of this test class's own (dropped afterwards). The bus is left out: tests record directly.
/// </summary>
public sealed class AlertStoreFixture : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create("alerts");
    private WebApplication? _app;

    public IServiceProvider Services => _app!.Services;
    public HttpClient Http { get; private set; } = null!;
    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString;
        builder.Configuration["MONITORING_ALERTS_SCHEMA"] = _schema.Name;
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("monitoring-alerts-test", "http://127.0.0.1:0", "Marten");
        builder.AddAlertStore();
        _app = builder.Build();
        _app.MapAlertsApi();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address + "/") };
    }

    public async Task<bool> RecordAsync(Bus.ArticleClassified message)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordAsync(message, CancellationToken.None);
    }

    public Task WaitForProjectionsAsync() => Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await _schema.DisposeAsync();
    }
}
