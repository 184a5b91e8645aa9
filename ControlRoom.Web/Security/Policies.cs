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

    /// <summary>Devices and gateways sending telemetry.</summary>
    public const string Ingest = "ingest";
}
