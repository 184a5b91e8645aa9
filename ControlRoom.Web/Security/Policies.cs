namespace CityControl.Web.Security;

public static class Policies
{
    /// <summary>Any signed-in control-room user.</summary>
    public const string Staff = "staff";

    /// <summary>City admins: onboarding and device configuration.</summary>
    public const string Admin = "admin";

    /// <summary>Devices and gateways sending telemetry.</summary>
    public const string Ingest = "ingest";
}
