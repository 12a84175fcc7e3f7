using System.CommandLine;
using Comb.Cli.Output;
using Comb.Contracts;
using Comb.Reporting;
using Comb.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb sbom REF: the package inventory only, as CycloneDX, SPDX, JSON or a table.</summary>
internal static class SbomCommand
{
    public static Command Build(IServiceProvider services)
    {
        var command = new Command("sbom", "Write the image's package inventory (SBOM)");
        var reference = new Argument<string>("REF") { Description = "Image reference" };
        var format = new Option<string>("--format", "-f") { Description = string.Join('|', ReportFormats.SbomNames), DefaultValueFactory = _ => ReportFormats.SbomNames[0] };
        format.AcceptOnlyFromAmong([.. ReportFormats.SbomNames]);
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output" };
        var access = new ImageAccessOptions();
        var skips = new PathSkipOptions();
        var devDeps = new DevDependencyOption();
        command.Arguments.Add(reference);
        command.Options.Add(format);
        command.Options.Add(output);
        access.AddTo(command);
        skips.AddTo(command);
        devDeps.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = devDeps.Apply(parse, skips.Apply(parse, access.Apply(parse, new ScanOptions { Scanners = new HashSet<string>(), NoStore = true })));
            var scanner = services.GetRequiredService<ImageScanner>();
            var name = parse.GetValue(format)!;
            var writer = services.GetServices<IReportWriter>().FirstOrDefault(w => w.Format == name)
                ?? throw new CombInputException($"output format '{name}' is not available in this build");
            var inventory = await scanner.InventoryAsync(parse.GetValue(reference)!, options, null, ct);
            var report = ImageScanner.ReportOf(new ScanContext(inventory, options));
            if (parse.GetValue(output) is { } path)
            {
                await OutputFile.WriteAsync(path, (file, token) => writer.WriteAsync(report, file, token), ct);
            }
            else
            {
                using var buffer = new MemoryStream();
                await writer.WriteAsync(report, buffer, ct);
                await parse.InvocationConfiguration.Output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
