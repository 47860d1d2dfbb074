namespace Monitoring.Alerts.Pipeline;

public static class PipelineEndpoints
{
    /// <summary><c>GET /api/pipeline</c>: a <see cref="PipelineSnapshot"/> at most two seconds old.</summary>
    public static WebApplication MapPipelineApi(this WebApplication app)
    {
        app.MapGet("/api/pipeline", async (PipelineHealth health, CancellationToken ct) =>
            Results.Ok(await health.FreshAsync(TimeSpan.FromSeconds(2), ct)));
        return app;
    }
}
