namespace CityControl.Rules.Hazards;

/// <summary>
/// The sun's elevation from NOAA's general solar position equations (Spencer's Fourier series for the declination and
/// the equation of time): good to a few tenths of a degree, which is all day-or-night and insolation need.
/// </summary>
public static class SolarPosition
{
    /// <summary>The upper limb at the horizon with standard refraction: the sun is up (ERG's day) above this elevation.</summary>
    public const double SunriseElevationDegrees = -0.833;

    public static double ElevationDegrees(double latitude, double longitude, DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        var hours = utc.TimeOfDay.TotalHours;
        var days = DateTime.IsLeapYear(utc.Year) ? 366 : 365;
        var gamma = 2 * Math.PI / days * (utc.DayOfYear - 1 + (hours - 12) / 24);
        var equationOfTime = 229.18 * (0.000075 + 0.001868 * Math.Cos(gamma) - 0.032077 * Math.Sin(gamma)
            - 0.014615 * Math.Cos(2 * gamma) - 0.040849 * Math.Sin(2 * gamma));
        var declination = 0.006918 - 0.399912 * Math.Cos(gamma) + 0.070257 * Math.Sin(gamma)
            - 0.006758 * Math.Cos(2 * gamma) + 0.000907 * Math.Sin(2 * gamma)
            - 0.002697 * Math.Cos(3 * gamma) + 0.00148 * Math.Sin(3 * gamma);
        var trueSolarMinutes = hours * 60 + equationOfTime + 4 * longitude;
        var hourAngle = Radians(trueSolarMinutes / 4 - 180);
        var lat = Radians(latitude);
        var cosZenith = Math.Sin(lat) * Math.Sin(declination) + Math.Cos(lat) * Math.Cos(declination) * Math.Cos(hourAngle);
        return 90 - Degrees(Math.Acos(Math.Clamp(cosZenith, -1, 1)));
    }

    /// <summary>ERG's day: any time after sunrise and before sunset.</summary>
    public static bool IsDaytime(double latitude, double longitude, DateTimeOffset at) =>
        ElevationDegrees(latitude, longitude, at) > SunriseElevationDegrees;

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}
