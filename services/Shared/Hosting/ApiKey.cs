using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Monitoring.Hosting;

/// <summary>
/// Write endpoints require <c>MONITORING_API_KEY</c>, sent as <c>X-Api-Key: KEY</c> or
/// <c>Authorization: Bearer KEY</c>. A service without a configured key refuses every write (503),
/// so a forgotten key never means an open API.
/// </summary>
public static class ApiKey
{
    public const string HeaderName = "X-Api-Key";

    /// <summary>Adds the key check to an endpoint or a group of endpoints.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var configured = http.RequestServices.GetService(typeof(IConfiguration)) is IConfiguration configuration
                ? configuration["MONITORING_API_KEY"]
                : null;
            if (string.IsNullOrEmpty(configured))
                return Results.Problem("MONITORING_API_KEY is not configured on this service; writes are disabled.",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            if (!Matches(Presented(http.Request), configured))
                return Results.Json(new { error = $"a valid API key is required ({HeaderName} header or Authorization: Bearer)" },
                    statusCode: StatusCodes.Status401Unauthorized);
            return await next(context);
        });
        return builder;
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var key) && key.Count > 0) return key[0];
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    private static bool Matches(string? presented, string configured) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured));
}
