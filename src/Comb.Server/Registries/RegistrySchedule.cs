using Cronos;

namespace Comb.Server.Registries;

/// <summary>
/// A registry's cron schedule: five fields (minute hour day month weekday), six with seconds first, or a macro such as
/// <c>@daily</c>; in UTC.
/// </summary>
public static class RegistrySchedule
{
    /// <summary>The parsed expression, or the reason it cannot be used.</summary>
    public static (CronExpression? Expression, string? Error) Parse(string text)
    {
        var trimmed = text.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return (CronExpression.Parse(trimmed, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard), null);
        }
        catch (CronFormatException ex)
        {
            return (null, $"schedule '{text}' is not a cron expression ({ex.Message}); use five fields (minute hour day month weekday), six with seconds, or @hourly/@daily/@weekly");
        }
    }

    /// <summary>The next run after <paramref name="after"/>, or null when the expression never fires again.</summary>
    public static DateTimeOffset? Next(string schedule, DateTimeOffset after) =>
        Parse(schedule).Expression?.GetNextOccurrence(after, TimeZoneInfo.Utc);
}
