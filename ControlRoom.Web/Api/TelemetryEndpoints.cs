using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using CityControl.Devices;
using CityControl.Web.Ingest;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using CityControl.Rules.Devices;

namespace CityControl.Web.Api;

public sealed record TelemetryResponse(int Accepted, int Rejected, IReadOnlyList<ReadingRejection> Rejections);

public static class TelemetryEndpoints
{
    public static IEndpointRouteBuilder MapTelemetryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/telemetry", Ingest)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting(IngestFeature.IngestRateLimit)
            .WithTags("Telemetry")
            .Accepts<string>("application/json")
            .Produces<TelemetryResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("A batch of readings {deviceId, timestamp, metric, value, unit} from a device or a gateway. 202 means every accepted reading is durable.");
        return app;
    }

    private static async Task<IResult> Ingest(HttpContext context, IngestService ingest, IOptions<IngestOptions> options, CancellationToken ct)
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

        if (!context.Request.HasJsonContentType())
        {
            return Problems.Field("Content-Type", "must be application/json", StatusCodes.Status415UnsupportedMediaType);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: ct);
        }
        catch (JsonException ex)
        {
            return Problems.Field("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("readings", out var array)
                || array.ValueKind != JsonValueKind.Array)
            {
                return Problems.Field("readings", "is required: an array of {deviceId, timestamp, metric, value, unit}");
            }

            var count = array.GetArrayLength();
            if (count == 0)
            {
                return Problems.Field("readings", "must hold at least one reading");
            }

            if (count > limits.MaxReadingsPerBatch)
            {
                return Problems.Field("readings", $"holds {count} readings; at most {limits.MaxReadingsPerBatch} are taken per request", StatusCodes.Status413PayloadTooLarge);
            }

            var readings = array.EnumerateArray().Select(Parse).ToList();
            IngestResult result;
            try
            {
                result = await ingest.IngestAsync(PrincipalOf(context.User), readings, ct);
            }
            catch (JournalUnavailableException ex)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(ex.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return Results.Problem(title: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var response = new TelemetryResponse(result.Accepted, result.Rejected, result.Rejections);
            return result.Accepted > 0
                ? Results.Json(response, statusCode: StatusCodes.Status202Accepted)
                : Results.Problem(
                    title: "No reading in the batch was accepted.",
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    extensions: new Dictionary<string, object?> { ["accepted"] = 0, ["rejected"] = result.Rejected, ["rejections"] = result.Rejections });
        }
    }

    private static IResult TooLarge(IngestOptions limits) =>
        Problems.Field("body", $"is larger than {limits.MaxRequestBytes} bytes; send smaller batches", StatusCodes.Status413PayloadTooLarge);

    internal static IngestPrincipal PrincipalOf(ClaimsPrincipal user) =>
        user.FindFirst(IngestAuthenticationHandler.DeviceClaim) is { } device
            ? IngestPrincipal.ForDevice(device.Value)
            : IngestPrincipal.ForGateway(user.FindAll(IngestAuthenticationHandler.DistrictClaim).Select(c => c.Value).ToImmutableArray());

    /// <summary>Reads one reading leniently: what cannot be read becomes that reading's rejection, not the batch's.</summary>
    internal static IncomingReading Parse(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return new(null, null, null, null, null, new RuleViolation("reading", "must be an object {deviceId, timestamp, metric, value, unit}"));
        }

        string? Str(string name, out RuleViolation? error)
        {
            error = null;
            if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (p.ValueKind != JsonValueKind.String)
            {
                error = new RuleViolation(name, "must be a string");
                return null;
            }

            try
            {
                return p.GetString();
            }
            catch (InvalidOperationException)
            {
                // The parser checks structure only; a string's bytes are decoded here.
                error = new RuleViolation(name, "is not valid UTF-8 (or holds a lone surrogate)");
                return null;
            }
        }

        var deviceId = Str("deviceId", out var idError);
        var metric = Str("metric", out var metricError);
        var unit = Str("unit", out var unitError);
        var timestampText = Str("timestamp", out var timestampError);
        RuleViolation? error = idError ?? timestampError ?? metricError ?? unitError;

        DateTimeOffset? timestamp = null;
        if (timestampText is not null)
        {
            if (DateTimeOffset.TryParse(timestampText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                && (timestampText.EndsWith('Z') || timestampText.EndsWith('z') || HasOffset(timestampText)))
            {
                timestamp = t;
            }
            else
            {
                error ??= new RuleViolation("timestamp", $"'{timestampText}' is not an ISO 8601 time with an offset (e.g. 2026-11-24T09:00:00Z)");
            }
        }

        double? value = null;
        if (e.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var number) && double.IsFinite(number))
            {
                value = number;
            }
            else if (v.ValueKind == JsonValueKind.Number || (v.ValueKind == JsonValueKind.String && (v.ValueEquals("NaN") || v.ValueEquals("Infinity") || v.ValueEquals("-Infinity"))))
            {
                error ??= new RuleViolation("value", "must be a finite number (NaN and Infinity are refused)");
            }
            else
            {
                error ??= new RuleViolation("value", "must be a number");
            }
        }

        return new IncomingReading(deviceId, timestamp, metric, value, unit, error);
    }

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return t > 0 && (text.IndexOf('+', t) > 0 || text.IndexOf('-', t) > 0);
    }
}
