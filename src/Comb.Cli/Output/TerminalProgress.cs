using Comb.Engine;
using Spectre.Console;

namespace Comb.Cli.Output;

/// <summary>Progress bars on a terminal: one bar per image, advanced as its layers are read or found cached.</summary>
internal sealed class TerminalProgress(ProgressContext context) : IProgress<ScanProgress>
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(value.Image, out var task))
            {
                task = context.AddTask(Markup.Escape(value.Image), maxValue: Math.Max(1, value.LayerCount));
                _tasks[value.Image] = task;
            }

            switch (value.Stage)
            {
                case "opened":
                    task.MaxValue = Math.Max(1, value.LayerCount) + 1;
                    break;
                case "layer-cached":
                case "layer-done":
                    task.Increment(1);
                    break;
                case "analyzing":
                    task.Description = Markup.Escape(value.Image) + " [grey](matching)[/]";
                    break;
                case "done":
                    task.Value = task.MaxValue;
                    task.Description = Markup.Escape(value.Image);
                    break;
            }
        }
    }

    /// <summary>Runs the work with bars on stderr when it is a terminal, else with plain progress lines.</summary>
    public static Task<T> RunAsync<T>(bool quiet, TextWriter stderr, Func<IProgress<ScanProgress>?, Task<T>> work)
    {
        if (quiet)
        {
            return work(null);
        }

        if (Console.IsErrorRedirected || !ReferenceEquals(stderr, Console.Error))
        {
            return work(new Commands.PlainProgress(stderr));
        }

        return WithBarsAsync(work);
    }

    // Apart so that a quiet or redirected run never loads the terminal library (two assemblies at start).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Task<T> WithBarsAsync<T>(Func<IProgress<ScanProgress>?, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(ctx => work(new TerminalProgress(ctx)));
    }
}
