using System.Diagnostics;
using System.IO.Compression;
using Comb.Bench;

// Comb benchmarks: run with `bash bench/run.sh [scenario]`. Figures go to standard output as a markdown table.
var scenario = args.FirstOrDefault() ?? "intake";
var work = Directory.CreateTempSubdirectory("comb-bench-").FullName;
try
{
    switch (scenario)
    {
        case "intake":
            await IntakeBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "history":
            await HistoryBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "inventory":
            await InventoryBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "malware":
            await MalwareBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "fleet":
            await FleetBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "vulndb":
            await VulnDbBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "console":
            await ConsoleBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "registry":
            await RegistryBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        case "writers":
            await StoreWritersBenchmark.RunAsync(args.Skip(1).ToArray());
            break;
        case "workers":
            await WorkerFleetBenchmark.RunAsync(work, args.Skip(1).ToArray());
            break;
        default:
            Console.Error.WriteLine($"unknown scenario '{scenario}': intake, inventory, history, fleet, workers, vulndb, malware, console, writers");
            return 2;
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

return 0;
