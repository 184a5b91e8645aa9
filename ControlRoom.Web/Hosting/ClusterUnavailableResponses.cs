using CityControl.Web.Ingest;

namespace CityControl.Web.Hosting;

/// <summary>
/// A request that finds the cluster unavailable (a silo lost and not yet declared dead, a grain's storage away) is
/// answered 503 with Retry-After, never 500: the client did nothing wrong and may simply try again.
/// </summary>
public static partial class ClusterUnavailableResponses
{
    private const int RetryAfterSeconds = 2;

    public static IApplicationBuilder UseClusterUnavailableResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IngestService.IsClusterUnavailable(ex) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            Log(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterUnavailableResponses)), ex, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(
                title: $"The platform's cluster did not answer (a silo or its storage is being replaced); try again in {RetryAfterSeconds} s.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the cluster did not answer; answered 503")]
    private static partial void Log(ILogger logger, Exception ex, string method, string path);
}
