package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"asta/jobs/chambercsv"
	"asta/sample"
)

// sampleCmd writes a generated export package.
func sampleCmd(ctx context.Context, args []string, stdout, stderr io.Writer, _ []string) int {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	out := fs.String("out", "", "folder to write the package to (required)")
	companies := fs.Int("companies", 100, "number of companies, sites included")
	contracts := fs.Int("contracts", 1000, "number of training contracts")
	seed := fs.Int64("seed", 1, "random seed: the same seed and options write the same bytes")
	encoding := fs.String("encoding", "windows-1252", "encoding of the files: windows-1252 or utf-8")
	bom := fs.Bool("bom", false, "with utf-8: start each file with a byte order mark")
	changed := fs.Float64("changed", 0, "share of contracts (0 to 1) that differ from the package of the same seed")
	delta := fs.Bool("delta", false, "mark the package as a delta export (DELTA) instead of a full one (VOLL)")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: astad sample --out DIR --companies N --contracts M [--seed S] "+
			"[--encoding utf-8|windows-1252] [--bom] [--changed SHARE] [--delta]")
		return exitUsage
	}
	enc, err := chambercsv.ParseEncoding(*encoding)
	if err != nil || enc == chambercsv.Auto {
		fmt.Fprintf(stderr, "astad sample: invalid --encoding %q: use utf-8 or windows-1252\n", *encoding)
		return exitUsage
	}

	opts := sample.Options{Companies: *companies, Contracts: *contracts, Seed: *seed, Encoding: enc,
		BOM: *bom, ChangedShare: *changed}
	if *delta {
		opts.ExportType = "DELTA"
	}
	sum, err := sample.Write(ctx, *out, opts)
	if err != nil {
		fmt.Fprintf(stderr, "astad %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s: %s export created %s\n", *out, sum.ExportType, sum.Created.Format("02.01.2006 15:04:05"))
	for _, f := range sum.Files {
		fmt.Fprintf(stdout, "  %-16s %9d records %12d bytes\n", f.Name, f.Records, f.Size)
	}
	return exitOK
}
