using CityControl.Devices;
using CityControl.Web.Security;

namespace CityControl.Web.Api;

/// <summary>Devices gateways announced that are no devices yet, for admins to onboard (with the usual form or import) or dismiss.</summary>
public static class DeviceAnnouncementEndpoints
{
    public static IEndpointRouteBuilder MapDeviceAnnouncementEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/device-announcements").WithTags("Devices").RequireAuthorization(Policies.Admin);
        group.MapGet("/", List).Produces<List<DeviceAnnouncement>>()
            .WithSummary("Device entities gateways sent that lack what only an admin can give (a place, a kind this platform watches, a district), newest first; one that has since been onboarded is no longer listed.");
        group.MapDelete("/{id}", Dismiss).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Dismiss an announced device (a gateway that announces it again brings it back).");
        return app;
    }

    private static async Task<IResult> List(IGrainFactory grains)
    {
        var announced = await grains.ListAnnouncements();
        var onboarded = (await grains.QueryDevicesById([.. announced.Select(a => a.Id)])).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);

        // Onboarded since (by the form or an import): no longer an announcement.
        foreach (var id in onboarded)
        {
            await grains.AnnouncementsFor(id).Remove(id);
        }

        return Results.Ok(announced.Where(a => !onboarded.Contains(a.Id)).ToList());
    }

    private static async Task<IResult> Dismiss(string id, IGrainFactory grains) =>
        await grains.AnnouncementsFor(id).Remove(id)
            ? Results.NoContent()
            : Problems.NotFound($"An announced device '{id}'");
}
