using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Monitoring.Hosting;

/// <summary>The activity source and meter every Monitoring service records its own work on.</summary>
public static class MonitoringTelemetry
{
    public const string SourceName = "Monitoring";

    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(SourceName);
}
