using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>
/// A device's recent readings in time order, bounded, where a reading is identified by (metric, timestamp):
/// a retried or replayed reading is recognised and not counted twice.
/// </summary>
public static class ReadingHistory
{
    public enum Outcome
    {
        Added,
        Duplicate,
        TooOld,
    }

    public static Outcome Insert(List<Reading> history, Reading reading, int capacity)
    {
        var index = history.Count;
        while (index > 0 && history[index - 1].Timestamp > reading.Timestamp)
        {
            index--;
        }

        for (var i = index - 1; i >= 0 && history[i].Timestamp == reading.Timestamp; i--)
        {
            if (history[i].Metric == reading.Metric)
            {
                return Outcome.Duplicate;
            }
        }

        if (history.Count >= capacity && index == 0)
        {
            return Outcome.TooOld;
        }

        history.Insert(index, reading);
        if (history.Count > capacity)
        {
            history.RemoveAt(0);
        }

        return Outcome.Added;
    }
}
