namespace CityControl.Web.Security;

public static class Policies
{
    /// <summary>Any signed-in control-room user.</summary>
    public const string Staff = "staff";

    /// <summary>People who dispatch: police and fire dispatchers, and operators.</summary>
    public const string Dispatch = "dispatch";

    /// <summary>City admins: onboarding and device configuration.</summary>
    public const string Admin = "admin";

    /// <summary>Operators and admins, who may bring external warnings in.</summary>
    public const string CapImport = "cap-import";

    /// <summary>Operators and admins, who may grant police and fire a camera's video.</summary>
    public const string GrantVideo = "grant-video";

    /// <summary>Operators and admins, who command field devices (a barrier) by hand.</summary>
    public const string DeviceControl = "device-control";

    /// <summary>Devices and gateways sending telemetry.</summary>
    public const string Ingest = "ingest";
}
