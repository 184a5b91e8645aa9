namespace CityControl.Security;

/// <summary>The roles of control-room users, the same on the web front end and in the grains.</summary>
public static class Roles
{
    public const string Operator = "Operator";
    public const string PoliceDispatcher = "PoliceDispatcher";
    public const string FireDispatcher = "FireDispatcher";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Operator, PoliceDispatcher, FireDispatcher, Admin];
}
