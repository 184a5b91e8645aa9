namespace CityControl.Rules;

/// <summary>The platform's clock, separate from the Orleans runtime's so tests can move it without moving the runtime.</summary>
public sealed class CityClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset UtcNow => Time.GetUtcNow();
}
