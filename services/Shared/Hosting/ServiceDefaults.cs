using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Monitoring.Hosting;

/// <summary>
/// What every Monitoring service shares: its listen address, OpenTelemetry traces, metrics and logs,
/// and the health endpoints. Each service calls <see cref="AddServiceDefaults"/> first and
/// <see cref="MapServiceDefaults"/> when mapping endpoints.
/// </summary>
public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    /// <param name="serviceName">OpenTelemetry service name, e.g. "monitoring-alerts".</param>
    /// <param name="defaultUrl">Used unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</param>
    /// <param name="extraSources">Activity sources and meters beyond the common ones (e.g. "Marten").</param>
    public static WebApplicationBuilder AddServiceDefaults(
        this WebApplicationBuilder builder, string serviceName, string defaultUrl, params string[] extraSources)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(defaultUrl);
        }

        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(options => MonitoringJson.Configure(options.SerializerOptions));
        builder.AddTelemetry(serviceName, extraSources);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
        });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        return app;
    }

    /// <summary>
    /// Traces and metrics for the service's own sources plus ASP.NET Core, HttpClient, runtime and the
    /// "MassTransit" source and meter. Exporter chosen by <c>MONITORING_TELEMETRY</c>:
    /// <c>console</c> (default), <c>otlp</c> (standard <c>OTEL_EXPORTER_OTLP_*</c> variables), or <c>none</c>.
    /// </summary>
    private static void AddTelemetry(this WebApplicationBuilder builder, string serviceName, string[] extraSources)
    {
        var exporter = TelemetryExporterFrom(builder.Configuration);
        string[] sources = ["MassTransit", MonitoringTelemetry.SourceName, .. extraSources];

        // Every log line carries the trace and span it was written in, so logs and traces correlate.
        builder.Logging.Configure(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(console => console.IncludeScopes = true);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            if (exporter == TelemetryExporter.Otlp) logging.AddOtlpExporter();
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName));
        // With no exporter nothing listens to the sources, so no span is even created (a few per article per service
        // otherwise); the metrics stay, for the dashboard's pipeline figures and any in-process reader.
        if (exporter != TelemetryExporter.None)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(sources)
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());
        }
        telemetry.WithMetrics(metrics => metrics
                .AddMeter(sources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        switch (exporter)
        {
            case TelemetryExporter.Console:
                telemetry.WithTracing(tracing => tracing.AddConsoleExporter())
                    .WithMetrics(metrics => metrics.AddConsoleExporter((_, reader) =>
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000));
                break;
            case TelemetryExporter.Otlp:
                telemetry.UseOtlpExporter();
                break;
        }
    }

    private enum TelemetryExporter { None, Console, Otlp }

    private static TelemetryExporter TelemetryExporterFrom(IConfiguration configuration) =>
        (configuration["MONITORING_TELEMETRY"] ?? "console").Trim().ToLowerInvariant() switch
        {
            "none" or "off" or "" => TelemetryExporter.None,
            "console" => TelemetryExporter.Console,
            "otlp" => TelemetryExporter.Otlp,
            var other => throw new InvalidOperationException(
                $"MONITORING_TELEMETRY='{other}' is not one of console, otlp, none."),
        };
}
