using Orleans.Concurrency;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Incidents;
using CityControl.Rules.Video;
using CityControl.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Grains.Video;

/// <summary>
/// Grants an incident's agencies the cameras nearest it, and ends the grants when the incident ends. Stateless: the
/// grants live with the cameras, and the incident keeps which ones it gave.
/// </summary>
[StatelessWorker]
public sealed partial class IncidentVideoAccessGrain(IOptions<CorrelationOptions> options, ILogger<IncidentVideoAccessGrain> logger) : Grain, IIncidentVideoAccessGrain
{
    public async Task GrantFor(string incidentId, string title, GeoPoint location, ImmutableArray<Agency> agencies, ImmutableArray<string> cameras)
    {
        var o = options.Value;
        var wanted = agencies.Where(VideoAccessRules.GrantedAgencies.Contains).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        IEnumerable<string> chosen = cameras.IsDefaultOrEmpty
            ? VideoAccessRules.Nearest(await GrainFactory.QueryDevices(new DeviceQuery(Kind: DeviceKind.Camera)), location, o.VideoGrantCameras, o.VideoGrantRadiusMeters).Select(c => c.Camera.Id)
            : cameras.Distinct(StringComparer.Ordinal);
        var grants = ImmutableArray.CreateBuilder<IncidentVideoGrant>();
        var skipped = new List<(Agency Agency, string Camera, string Why)>();

        foreach (var cameraId in chosen)
        {
            var grain = GrainFactory.GetGrain<ICameraGrain>(cameraId);
            try
            {
                var access = await grain.GetAccess();
                foreach (var agency in wanted.Where(a => VideoAccessRules.AgencyOf(access.Owner) != a))
                {
                    if (VideoAccessRules.PurposeForIncident(agency, access.Purposes) is not { } purpose)
                    {
                        skipped.Add((agency, cameraId, $"watched for {string.Join(", ", access.Purposes)} only"));
                        continue;
                    }

                    var grant = await grain.GrantVideo(new VideoGrantRequest(agency, purpose, $"incident {incidentId}: {title}", o.VideoGrantLifetime, incidentId), "system");
                    grants.Add(new IncidentVideoGrant(cameraId, grant.Id, agency, purpose, grant.Until));
                }
            }
            catch (Exception ex) when (ex is DeviceRuleException or DeviceNotFoundException)
            {
                skipped.AddRange(wanted.Select(a => (a, cameraId, ex.Message)));
            }
        }

        // One line per agency for the cameras it was not given, with why.
        ImmutableArray<string> notes = [.. skipped.GroupBy(s => s.Agency).Select(g =>
            $"{g.Key}: " + string.Join("; ", g.GroupBy(s => s.Why).Select(w => $"{string.Join(", ", w.Select(s => s.Camera))} ({w.Key})")))];
        if (grants.Count > 0 || notes.Length > 0)
        {
            await GrainFactory.GetGrain<IIncidentGrain>(incidentId).RecordVideoGrants(grants.ToImmutable(), notes);
        }
    }

    public async Task RevokeFor(string incidentId, ImmutableArray<IncidentVideoGrant> grants, string reason)
    {
        foreach (var grant in grants)
        {
            try
            {
                await GrainFactory.GetGrain<ICameraGrain>(grant.CameraId).RevokeVideo(grant.GrantId, reason);
            }
            catch (Exception ex) when (ex is DeviceNotFoundException or OrleansException or TimeoutException)
            {
                // The grant still ends at its time; say which one did not end early.
                LogRevokeFailed(ex, grant.GrantId, grant.CameraId, incidentId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grant {GrantId} on camera {CameraId} of incident {IncidentId} could not be ended early; it ends at its time")]
    private partial void LogRevokeFailed(Exception ex, string grantId, string cameraId, string incidentId);
}
