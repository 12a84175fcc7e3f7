using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Comb.Cli.Commands;
using Comb.Contracts;
using Comb.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Comb.Cli;

/// <summary>
/// A thin host: composes the engine once per run (<see cref="ServiceCollectionExtensions.AddComb"/>), builds the command
/// tree over it, and turns outcomes into the documented exit codes; disposing the engine at exit closes what it opened.
/// </summary>
public static class CombApp
{
    /// <summary>
    /// The commands that stand alone under the root, by name, in the order help lists them: those before the history
    /// and trust commands (which register several names each), then those after. A command line that names one builds
    /// only that one.
    /// </summary>
    private static readonly (string Name, Func<IServiceProvider, Command> Build)[] StandAloneFirst =
    [
        ("scan", ScanCommand.Build),
        ("sbom", SbomCommand.Build),
        ("image", ImageCommands.Build),
        ("cache", _ => CacheCommands.Build()),
        ("runtime", RuntimeCommands.Build),
        ("db", DbCommands.Build),
    ];

    private static readonly (string Name, Func<IServiceProvider, Command> Build)[] StandAloneLast =
    [
        ("train", _ => TrainCommands.Build()),
        ("server", _ => ServerCommands.BuildServer()),
        ("token", _ => ServerCommands.BuildToken()),
        ("worker", _ => ServerCommands.BuildWorker()),
        ("registry", _ => RegistryCommands.Build()),
        ("admission", _ => AdmissionCommands.Build()),
    ];

    public static RootCommand BuildRoot(IServiceProvider services)
    {
        var root = NewRoot();
        foreach (var (_, build) in StandAloneFirst)
        {
            root.Subcommands.Add(build(services));
        }

        foreach (var command in HistoryCommands.Build(services))
        {
            root.Subcommands.Add(command);
        }

        TrustCommands.Register(root, services);
        foreach (var (_, build) in StandAloneLast)
        {
            root.Subcommands.Add(build(services));
        }

        return root;
    }

    /// <summary>
    /// The tree a command line needs: when its first word names a stand-alone command, the root with that command alone
    /// (parsing and running it are the same; building every command loads the server's and other areas' assemblies,
    /// a measurable part of a short command's start); otherwise (help, a typo, the history and trust commands) the whole tree.
    /// </summary>
    internal static RootCommand BuildRoot(IServiceProvider services, IReadOnlyList<string> args)
    {
        if (args.Count == 0 || StandAlone(args[0]) is not { } build)
        {
            return BuildRoot(services);
        }

        var root = NewRoot();
        root.Subcommands.Add(build(services));
        return root;
    }

    // Plain loops: this runs on every start, where LINQ over value tuples is code the JIT compiles first.
    private static Func<IServiceProvider, Command>? StandAlone(string name)
    {
        foreach (var list in (ReadOnlySpan<(string Name, Func<IServiceProvider, Command> Build)[]>)[StandAloneFirst, StandAloneLast])
        {
            foreach (var (candidate, build) in list)
            {
                if (candidate == name)
                {
                    return build;
                }
            }
        }

        return null;
    }

    private static RootCommand NewRoot() =>
        new("Comb: container image security scanner (vulnerabilities, secrets, malware, misconfiguration, trust)");

    /// <summary>
    /// Option-like words a command's arguments swallowed (<c>comb db import DIR --store X</c> would read "--store" as a
    /// directory): named as unknown options instead. A path that starts with '-' can be given as ./-name.
    /// </summary>
    internal static IReadOnlyList<string> UnknownOptions(ParseResult parse)
    {
        var unknown = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is not CommandResult command)
            {
                continue;
            }

            foreach (var token in command.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens))
            {
                if (token.Value.Length > 1 && token.Value[0] == '-' && !double.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    unknown.Add($"unknown option '{token.Value}' for '{CommandPath(command)}'");
                }
            }
        }

        return unknown;
    }

    /// <summary>No response files: a leading '@' is a value (a cron macro such as @daily); --ref-file reads lists of images.</summary>
    internal static ParseResult Parse(IServiceProvider services, IReadOnlyList<string> args) =>
        BuildRoot(services, args).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>
    /// Options given an empty string ("--policy ''", an unset shell variable): every Comb option names something (a
    /// file, an address, a value), so an empty one is a usage error named here, not a failure deep inside a command.
    /// </summary>
    internal static IReadOnlyList<string> EmptyOptionValues(ParseResult parse)
    {
        var empty = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is not CommandResult command)
            {
                continue;
            }

            foreach (var option in command.Children.OfType<OptionResult>())
            {
                if (option.Tokens.Any(t => t.Type == TokenType.Argument && string.IsNullOrWhiteSpace(t.Value)))
                {
                    empty.Add($"option '{option.Option.Name}' of '{CommandPath(command)}' needs a value, not an empty string");
                }
            }
        }

        return empty;
    }

    /// <summary>Commands that run until a signal stops them: for those the signal is the normal end, not an interruption.</summary>
    private static readonly HashSet<string> LongRunning = new(StringComparer.Ordinal) { "comb server", "comb worker", "comb runtime watch" };

    private static bool RunsUntilStopped(CommandResult command) => LongRunning.Contains(CommandPath(command));

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult c)
            {
                names.Insert(0, c.Command is RootCommand ? "comb" : c.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        using var cancel = new CancellationTokenSource();
        var signalled = 0;

        // Ctrl-C (SIGINT) and SIGTERM cancel the run, so a scan releases what it holds (temporary files, connections)
        // before the process ends; a second signal ends the process at once. Registered here rather than through
        // System.CommandLine so that an error raised by the cancellation maps to the signal's exit code.
        void OnSignal(PosixSignalContext context)
        {
            var code = context.Signal == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Terminated;
            context.Cancel = Interlocked.CompareExchange(ref signalled, code, 0) == 0;
            cancel.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // The engine's log lines go to standard error, off unless $COMB_LOG_LEVEL asks (the CLI reports through its own output).
        await using var services = new ServiceCollection().AddComb(host =>
        {
            host.LogWriter = error;
            host.LogLevel = LogLevel.None;
        }).BuildServiceProvider();
        StartupTrace.Mark("services built");
        try
        {
            var parse = Parse(services, args);
            StartupTrace.Mark("command line parsed");
            var unknown = UnknownOptions(parse).Concat(EmptyOptionValues(parse)).ToList();
            if (parse.Errors.Count > 0 || unknown.Count > 0)
            {
                foreach (var message in unknown.Concat(parse.Errors.Select(e => e.Message)).Distinct(StringComparer.Ordinal))
                {
                    await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
                }

                await error.WriteLineAsync("Run 'comb --help' for usage.").ConfigureAwait(false);
                return ExitCodes.InputError;
            }

            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null, Output = output, Error = error };
            var code = await parse.InvokeAsync(config, cancel.Token).ConfigureAwait(false);
            return cancel.IsCancellationRequested && !RunsUntilStopped(parse.CommandResult) ? await CancelledAsync(error, signalled).ConfigureAwait(false) : code;
        }
        catch (CombInputException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CombErrorKinds.ExitCode(ex.Kind);
        }
        catch (Exception ex) when (cancel.IsCancellationRequested && ex is OperationCanceledException or AggregateException { InnerException: OperationCanceledException })
        {
            return await CancelledAsync(error, signalled).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var debug = Environment.GetEnvironmentVariable("COMB_DEBUG") is { Length: > 0 };
            await error.WriteLineAsync($"internal error: {ex.GetType().Name}: {ex.Message}" + (debug ? Environment.NewLine + ex : "")).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }

    private static async Task<int> CancelledAsync(TextWriter error, int signalled)
    {
        await error.WriteLineAsync("cancelled").ConfigureAwait(false);
        return signalled == 0 ? ExitCodes.Interrupted : signalled;
    }
}
