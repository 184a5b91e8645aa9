namespace CityControl.Web.Security;

public static class Roles
{
    public const string Operator = "Operator";
    public const string PoliceDispatcher = "PoliceDispatcher";
    public const string FireDispatcher = "FireDispatcher";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Operator, PoliceDispatcher, FireDispatcher, Admin];
}

public static class Policies
{
    /// <summary>Any signed-in control-room user.</summary>
    public const string Staff = "staff";

    /// <summary>City admins: onboarding and device configuration.</summary>
    public const string Admin = "admin";

    /// <summary>Devices and gateways sending telemetry.</summary>
    public const string Ingest = "ingest";
}
