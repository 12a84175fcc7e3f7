using Microsoft.Extensions.Logging;

namespace Comb.Engine.Logging;

/// <summary>
/// How the engine's log lines (registry retries, cache evictions, slow analyzers) reach a host, set once by
/// <see cref="ServiceCollectionExtensions.AddComb"/>: the level from $COMB_LOG_LEVEL or the host's default, and for a
/// host without logging of its own (the CLI) one line each on a writer.
/// </summary>
public static class CombLogging
{
    public const string LevelVariable = "COMB_LOG_LEVEL";

    /// <summary>The engine's categories: every logger it creates is named under this prefix.</summary>
    public const string Category = "Comb";

    /// <summary>trace, debug, info(rmation), warn(ing), error, critical, none/off; null for anything else.</summary>
    public static LogLevel? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" or "off" => LogLevel.None,
        _ => null,
    };

    internal static void Configure(ILoggingBuilder logging, CombHostOptions host)
    {
        var variable = Environment.GetEnvironmentVariable(LevelVariable);
        var level = Parse(variable) ?? host.LogLevel;
        if (variable is { Length: > 0 } && Parse(variable) is null)
        {
            host.LogWriter?.WriteLine($"warning: {LevelVariable}='{variable}' is not a log level (trace, debug, info, warning, error, none); ignored");
        }

        if (level is { } comb)
        {
            logging.AddFilter(Category, comb);
        }

        if (host.LogWriter is { } writer)
        {
            // The writer shows the engine's lines at the level asked for, and other libraries' (HTTP, Polly) only from
            // warnings up, so that a request log does not drown them.
            var chosen = level ?? LogLevel.Warning;
            logging.AddProvider(new TextWriterLoggerProvider(writer));
            logging.AddFilter<TextWriterLoggerProvider>(null, chosen > LogLevel.Warning ? chosen : LogLevel.Warning);
            logging.AddFilter<TextWriterLoggerProvider>(Category, chosen);
        }
    }
}
