using System.Globalization;
using CityControl.Devices;
using CityControl.Rules.Devices;
using CityControl.Rules.Traffic;
using CityControl.Web.Ingest;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

/// <summary>A phase's service in the uploaded log, as a traffic engineer reads it.</summary>
public sealed record PhaseServiceView(int Phase, int Greens, double GreenSeconds, double AverageGreenSeconds, int GapOuts, int MaxOuts, int ForceOffs);

/// <summary>What an uploaded controller log held, and what the ingest path made of its readings.</summary>
public sealed record ControllerLogResponse(
    int Events,
    DateTimeOffset? From,
    DateTimeOffset? To,
    IReadOnlyList<LogProblem> Problems,
    IReadOnlyList<PhaseServiceView> Phases,
    IReadOnlyDictionary<string, int> Volumes,
    int Accepted,
    int Rejected,
    IReadOnlyList<ReadingRejection> Rejections);

/// <summary>
/// Signal controllers' high-resolution event logs (ATSPM's CSV export or the raw Econolite ASC/3 <c>.dat</c>), sent by
/// the field gateway that pulls them: read into events, turned into the signal's readings (the phase as each begins
/// green; each approach's volume and occupancy per interval), and entered through the one ingest path.
/// </summary>
public static class ControllerLogEndpoints
{
    public const int MaxIntervalSeconds = 3600;

    public static IEndpointRouteBuilder MapControllerLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/telemetry/signals/{id}/event-log", Upload)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting(IngestFeature.IngestRateLimit)
            .WithTags("Telemetry")
            // Its media types are checked by the handler, not by routing (Accepts would answer another type with a bare
            // 415), so that the refusal names the field; the document says what the body is.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Description = "The controller's log as it was pulled from it.",
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        ["text/csv"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String } },
                        ["application/octet-stream"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Format = "binary" } },
                    },
                };
                return Task.CompletedTask;
            })
            .Produces<ControllerLogResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("A signal controller's hi-res event log (CSV location,timestamp,code,parameter or a raw Econolite .dat). " +
                "detectors maps count detector channels to approaches (e.g. 2:NB,6:SB); interval is the volume interval in seconds (60); " +
                "utcOffset is the controller clock's offset (e.g. +09:00), or replayFrom maps the log's first event to that time (a replay).");
        return app;
    }

    private static async Task<IResult> Upload(
        HttpContext context, string id, string? detectors, string? interval, string? utcOffset, string? replayFrom,
        IngestService ingest, IOptions<IngestOptions> options, CancellationToken ct)
    {
        var limits = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxRequestBytes;
        }

        if (context.Request.ContentLength > limits.MaxRequestBytes)
        {
            return TooLarge(limits);
        }

        if (context.Request.ContentType is not { } type || !(type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Field("Content-Type", "must be text/csv (an ATSPM export) or application/octet-stream (a raw Econolite .dat)", StatusCodes.Status415UnsupportedMediaType);
        }

        var seconds = 60;
        if (interval is not null && (!int.TryParse(interval, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds is < 10 or > MaxIntervalSeconds))
        {
            return Problems.Field("interval", $"must be a whole number of seconds from 10 to {MaxIntervalSeconds}");
        }

        DateTimeOffset? replayStart = null;
        if (replayFrom is not null)
        {
            if (!DateTimeOffset.TryParseExact(replayFrom, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
            {
                return Problems.Field("replayFrom", "must be an ISO 8601 time with an offset (e.g. 2026-11-27T09:00:00+09:00)");
            }

            replayStart = start;
        }

        if (SignalLogAnalysis.ParseDetectors(detectors) is not { } approaches)
        {
            return Problems.Field("detectors", $"must be channel:approach pairs separated by commas, channels 1 to {IndianaCodes.Max}, approaches {string.Join(", ", MetricCatalog.Approaches)} (e.g. 2:NB,6:SB)");
        }

        TimeSpan offset = default;
        if (replayStart is null && (utcOffset is null || !TryParseOffset(utcOffset, out offset)))
        {
            return Problems.Field("utcOffset", "is required (the controller clock's offset from UTC, e.g. +09:00 or -06:00) unless replayFrom is given");
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits);
        }

        var log = ControllerEventLogReader.Read(body);
        if (log.Events.IsEmpty)
        {
            return Results.Problem(
                title: "The log holds no controller event that could be read.",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                extensions: new Dictionary<string, object?> { ["problems"] = log.Problems.Take(ControllerLog.MaxProblemsListed).ToList() });
        }

        var first = log.Events[0].At;
        DateTimeOffset ToTime(DateTime at) => replayStart is { } start ? start + (at - first) : new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Unspecified), offset);
        var readings = SignalLogAnalysis.Readings(log, approaches, TimeSpan.FromSeconds(seconds))
            .Select(r => new IncomingReading(id, ToTime(r.At), r.Metric, r.Value, r.Unit))
            .ToList();

        var accepted = 0;
        var rejections = new List<ReadingRejection>();
        try
        {
            foreach (var batch in readings.Chunk(limits.MaxReadingsPerBatch))
            {
                var result = await ingest.IngestAsync(TelemetryEndpoints.PrincipalOf(context.User), batch, ct);
                accepted += result.Accepted;
                rejections.AddRange(result.Rejections);
            }
        }
        catch (JournalUnavailableException ex)
        {
            // Batches already accepted stay accepted: the answer says how many, and the gateway sends the log again
            // (a reading repeated at the same time for the same metric is the same reading).
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(ex.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Results.Problem(title: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?> { ["accepted"] = accepted });
        }

        var phases = SignalLogAnalysis.PhaseGreens(log.Events, DateTime.MinValue, DateTime.MaxValue)
            .Select(p => new PhaseServiceView(p.Phase, p.Greens, Math.Round(p.GreenTime.TotalSeconds, 1), Math.Round(p.AverageGreen.TotalSeconds, 1), p.GapOuts, p.MaxOuts, p.ForceOffs))
            .ToList();
        var volumes = SignalLogAnalysis.ApproachVolumes(log.Events, approaches, TimeSpan.FromSeconds(seconds))
            .GroupBy(c => c.Approach).ToDictionary(g => g.Key, g => g.Sum(c => c.Vehicles));
        var response = new ControllerLogResponse(
            log.Events.Length, ToTime(first), ToTime(log.Events[^1].At), [.. log.Problems.Take(ControllerLog.MaxProblemsListed)],
            phases, volumes, accepted, rejections.Count, rejections);
        return accepted > 0 || readings.Count == 0
            ? Results.Json(response, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(response, statusCode: StatusCodes.Status422UnprocessableEntity);
    }

    private static bool TryParseOffset(string text, out TimeSpan offset)
    {
        offset = default;
        var sign = text.StartsWith('-') ? -1 : text.StartsWith('+') ? 1 : 0;
        return sign != 0
            && TimeSpan.TryParseExact(text[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var magnitude)
            && magnitude <= TimeSpan.FromHours(14)
            && (offset = sign * magnitude) == offset;
    }

    private static IResult TooLarge(IngestOptions limits) =>
        Problems.Field("body", $"is larger than {limits.MaxRequestBytes} bytes; send the log in parts", StatusCodes.Status413PayloadTooLarge);
}
