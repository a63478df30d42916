"""The population commands, with Typer annotations; ``ketpath.cli`` registers them.

Starsim, Optuna and Dask are imported inside the functions so that
``ketpath --help`` stays fast. Bad input raises :class:`PopulationInputError`
(a :class:`ketpath.errors.BadInput`) with a message that says what to change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ketpath.errors import BadInput
from ketpath.knowledge.languages import ENGLISH
from ketpath.present.i18n import N_, _, current_language, ngettext


class PopulationInputError(BadInput):
    """Input to a population command that the user can fix."""


def _check_positive(name: str, value: int) -> None:
    if value < 1:
        raise PopulationInputError(
            _("--%(name)s must be at least 1 (got %(value)s)", name=name, value=value)
        )


def _check_scenario(name: str) -> None:
    from ketpath.population.scenarios import SCENARIOS  # noqa: PLC0415

    if name not in SCENARIOS:
        raise PopulationInputError(
            _(
                "unknown scenario %(name)s; known: %(known)s",
                name=repr(name),
                known=", ".join(SCENARIOS),
            )
        )


def simulate(
    *,
    agents: Annotated[int, typer.Option(help="Number of simulated people.")] = 10_000,
    years: Annotated[int, typer.Option(help="Years to simulate (weekly steps).")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    scenario: Annotated[
        str, typer.Option(help="baseline, screening, treatment-access or contingency-management.")
    ] = "baseline",
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option(help="Write stage prevalence over time to this SVG file.")
    ] = None,
) -> None:
    """Simulate how ketamine use spreads and progresses in a population."""
    _check_positive("agents", agents)
    _check_positive("years", years)
    _check_scenario(scenario)
    if plot is not None and plot.suffix.lower() != ".svg":
        raise PopulationInputError(
            _("--plot must name an .svg file (got %(path)s)", path=repr(str(plot)))
        )
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from ketpath.population.scenarios import plot_stages, run  # noqa: PLC0415

    console = Console(stderr=True)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(
            _("simulating %(agents)s people x %(years)s years", agents=f"{agents:,}", years=years),
            total=None,
        )

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        _sim, summary = run(
            agents=agents, years=years, seed=seed, scenario=scenario, progress=advance
        )
    summary.update(scenario=scenario, seed=seed, years=years)
    if plot is not None:
        plot_stages(summary, str(plot))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)


SUMMARY_WORDS = {
    "lifetime_users": N_("lifetime users"),
    "past_year_users": N_("past year users"),
    "dependent": N_("dependent"),
    "urinary_symptoms": N_("urinary symptoms"),
    "urinary_symptoms_any_cause": N_("urinary symptoms any cause"),
    "treatment_entries": N_("treatment entries"),
    "treatment_completions": N_("treatment completions"),
    "treatment_dropouts": N_("treatment dropouts"),
}
"""The simulation summary's counts, named in words (English: the key with spaces)."""

SHARE_WORDS = {
    "past_year_among_lifetime": N_("past year among lifetime"),
    "dependent_among_past_year": N_("dependent among past year"),
    "urinary_among_past_year": N_("urinary among past year"),
    "urinary_any_cause_among_past_year": N_("urinary any cause among past year"),
    "urinary_among_dependent": N_("urinary among dependent"),
    "urinary_any_cause_among_dependent": N_("urinary any cause among dependent"),
    "background_urinary_among_never_users": N_("background urinary among never users"),
    "relapse_within_1y_after_treatment": N_("relapse within 1y after treatment"),
    "urinary_among_monthly_users": N_("urinary among monthly users"),
    "urinary_among_weekly_users": N_("urinary among weekly users"),
    "urinary_among_near_daily_users": N_("urinary among near daily users"),
    "adult_past_year_prevalence": N_("adult past year prevalence"),
    "monthly": N_("monthly"),
    "weekly": N_("weekly"),
    "near-daily": N_("near-daily"),
}
"""The summary's shares and frequency bands, named in words (English as printed before)."""


def _share(share: dict[str, int | float | None]) -> str:
    if share["value"] is None:
        return _(
            "n/a (%(numerator)s of %(denominator)s)",
            numerator=share["numerator"],
            denominator=share["denominator"],
        )
    return _(
        "%(value)s (%(numerator)s of %(denominator)s; 95%% %(low)s-%(high)s)",
        value=f"{share['value']:.1%}",
        numerator=share["numerator"],
        denominator=share["denominator"],
        low=f"{share['low']:.1%}",
        high=f"{share['high']:.1%}",
    )


def _key_words(key: str) -> str:
    """A summary key in words: the catalog's, else the key with spaces (as English prints it)."""
    words = SUMMARY_WORDS.get(key) or SHARE_WORDS.get(key)
    return _(words) if words else key.replace("_", " ")


def _print_summary(summary: dict[str, object]) -> None:
    final = summary["final"]
    assert isinstance(final, dict)
    typer.echo(
        _(
            "%(agents)s people, %(years)s years, scenario %(scenario)s",
            agents=f"{summary['agents']:,}",
            years=summary["years"],
            scenario=summary["scenario"],
        )
    )
    for key in SUMMARY_WORDS:
        typer.echo(f"  {_key_words(key)}: {final[key]}")
    for band, counts in final["by_frequency"].items():
        typer.echo(
            "  "
            + _(
                "%(band)s: %(users)s past-year users, %(symptoms)s with urinary symptoms",
                band=_key_words(band),
                users=counts["users"],
                symptoms=counts["urinary_symptoms"],
            )
        )
    for key, share in final["proportions"].items():
        typer.echo(f"  {_key_words(key)}: {_share(share)}")
    typer.echo(
        "  " + _("(relapse after treatment counts completers only; dropouts are not counted)")
    )
    for warning in _warnings(final):
        typer.echo(_("warning: %(warning)s", warning=warning), err=True)


def _warnings(final: dict[str, Any]) -> list[str]:
    """The summary's small-denominator warnings: as the model words them in English, else
    said again in the run's language from the same shares and minimum."""
    if current_language() == ENGLISH:
        return list(final["warnings"])
    from ketpath.population.scenarios import min_denominator  # noqa: PLC0415

    minimum = min_denominator()
    out = []
    for key, share in final["proportions"].items():
        denominator = int(share["denominator"] or 0)
        if denominator == 0:
            out.append(_("%(share)s: no one to count, so no value is given", share=_key_words(key)))
        elif denominator < minimum:
            out.append(
                _(
                    "%(share)s: %(numerator)s of %(denominator)s is below the minimum of"
                    " %(minimum)s; read the interval, not the value (run more agents)",
                    share=_key_words(key),
                    numerator=share["numerator"],
                    denominator=denominator,
                    minimum=minimum,
                )
            )
    return out


def synth(
    *,
    people: Annotated[int, typer.Option(help="Number of synthetic people.")] = 100,
    years: Annotated[int, typer.Option(help="Years of history (weekly steps).")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for the .jsonl files.")
    ] = Path("synthetic"),
) -> None:
    """Write simulated people's histories (interchange format) and their true stages."""
    _check_positive("people", people)
    _check_positive("years", years)
    if output.exists() and not output.is_dir():
        raise PopulationInputError(
            _("-o must name a directory (%(path)s is a file)", path=repr(str(output)))
        )
    from ketpath.population.synth import histories, write  # noqa: PLC0415

    written = histories(people=people, years=years, seed=seed)
    write(written, output)
    typer.echo(
        ngettext(
            "wrote %(num)s history and truth.jsonl to %(path)s",
            "wrote %(num)s histories and truth.jsonl to %(path)s",
            len(written),
            path=output,
        )
    )
    if len(written) < people:
        typer.echo(
            ngettext(
                "only %(num)s simulated person started using; ask for more years",
                "only %(num)s simulated people started using; ask for more years",
                len(written),
            )
        )


def validate_person_model(
    *,
    people: Annotated[int, typer.Option(help="Number of synthetic people to assess.")] = 200,
    years: Annotated[int, typer.Option(help="Years of history (weekly steps).")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Assess synthetic histories with the person model and print the agreement."""
    _check_positive("people", people)
    _check_positive("years", years)
    from ketpath.population.synth import histories  # noqa: PLC0415
    from ketpath.population.validate import agreement, render  # noqa: PLC0415

    result = agreement(histories(people=people, years=years, seed=seed))
    typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else render(result))


def calibrate(
    *,
    trials: Annotated[int, typer.Option(help="Optuna trials (shared across workers).")] = 60,
    agents: Annotated[
        int | None, typer.Option(help="People per trial (default: knowledge).")
    ] = None,
    years: Annotated[int | None, typer.Option(help="Years per trial (default: knowledge).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes on this machine.")] = 1,
    storage: Annotated[
        str | None,
        typer.Option(help="Optuna RDB URL shared by workers on several machines."),
    ] = None,
    study: Annotated[str, typer.Option(help="Optuna study name.")] = "ketpath-population",
    only: Annotated[
        str | None,
        typer.Option(help="Fit only these calibrated parameters (comma-separated names)."),
    ] = None,
    check_only: Annotated[
        bool, typer.Option(help="Skip the study: report the fit of the shipped values.")
    ] = False,
    seeds: Annotated[int, typer.Option(help="Seeds for the fit report.")] = 3,
    write_defaults: Annotated[
        bool, typer.Option(help="Write the best values into knowledge/population.toml.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Write the fit report (Markdown) here, and its record beside it (.json)."
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Write the fit plot (SVG) to this file.")
    ] = None,
) -> None:
    """Fit the population model to REFERENCE.md's figures and report the fit per target."""
    from ketpath.knowledge.population import population  # noqa: PLC0415

    settings = population().calibration
    agents = settings.agents if agents is None else agents
    years = settings.years if years is None else years
    for name, value in (("trials", trials), ("agents", agents), ("years", years)):
        _check_positive(name, value)
    _check_positive("workers", workers)
    _check_positive("seeds", seeds)
    if storage is not None and "://" not in storage:
        raise PopulationInputError(
            f"--storage must be an Optuna RDB URL such as sqlite:///study.db (got {storage!r})"
        )
    from ketpath.population import calibration  # noqa: PLC0415

    names = None if only is None else [n.strip() for n in only.split(",") if n.strip()]
    try:
        calibration.fitted_parameters(names)
    except ValueError as error:
        raise PopulationInputError(f"--only: {error}") from error
    if check_only:
        best = calibration.shipped_values()
    else:
        best = calibration.calibrate(
            trials=trials,
            agents=agents,
            years=years,
            workers=workers,
            storage=storage,
            study=study,
            only=names,
        )
        typer.echo("best values: " + ", ".join(f"{k} = {v:.6g}" for k, v in sorted(best.items())))
    if write_defaults and not check_only:
        typer.echo(f"wrote {calibration.write_defaults(best)}")
    record = calibration.check_fit(
        agents=agents, years=years, seeds=range(1, seeds + 1), values=best
    )
    fits = calibration.target_fits(record)
    typer.echo(calibration.fit_table(fits))
    if report is not None:
        typer.echo(f"wrote {report} and {calibration.write_report(record, report)}")
    if plot is not None:
        calibration.plot_fit(fits, str(plot))


def sweep(
    *,
    scenarios: Annotated[
        str, typer.Option(help="Comma-separated scenario names (default: all).")
    ] = "baseline,screening,treatment-access,contingency-management",
    seeds: Annotated[int, typer.Option(help="Seeds per scenario.")] = 5,
    agents: Annotated[int, typer.Option(help="People per run.")] = 100_000,
    years: Annotated[int, typer.Option(help="Years per run.")] = 10,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local cluster workers.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run scenarios x seeds through Dask and report means with uncertainty intervals."""
    names = [name.strip() for name in scenarios.split(",") if name.strip()]
    if not names:
        raise PopulationInputError(_("--scenarios names no scenario"))
    for name in names:
        _check_scenario(name)
    for label, value in (("seeds", seeds), ("agents", agents), ("years", years)):
        _check_positive(label, value)
    from ketpath.population import sweep as sweeping  # noqa: PLC0415

    rows = sweeping.sweep(
        scenarios=names,
        seeds=list(range(1, seeds + 1)),
        agents=agents,
        years=years,
        scheduler=scheduler,
        workers=workers,
    )
    table = sweeping.summarise(rows)
    if as_json:
        document = {
            "seeds": seeds,
            "agents": agents,
            "years": years,
            "scenarios": table,
            "relapse_dropouts_counted": False,
            "warnings": sweeping.warnings(table),
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo(sweeping.render(table, seeds))


def uncertainty(
    *,
    runs: Annotated[int, typer.Option(help="Samples of the assumptions (one model run each).")],
    agents: Annotated[int, typer.Option(help="People per run.")] = 100_000,
    years: Annotated[int, typer.Option(help="Years per run.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of the runs.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local cluster workers.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option(help="Write a tornado plot of the PRCCs to this SVG file.")
    ] = None,
) -> None:
    """Vary every assumption within its plausible range; report intervals and what drives them."""
    for label, value in (("runs", runs), ("agents", agents), ("years", years)):
        _check_positive(label, value)
    if workers is not None:
        _check_positive("workers", workers)
    if plot is not None and plot.suffix.lower() != ".svg":
        raise PopulationInputError(
            _("--plot must name an .svg file (got %(path)s)", path=repr(str(plot)))
        )
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from ketpath.population import uncertainty as analysis  # noqa: PLC0415

    chosen = analysis.assumptions()
    unit = analysis.latin_hypercube(len(chosen), runs, seed)
    specs = analysis.specs(chosen, unit, seed=seed, agents=agents, years=years)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(
            ngettext(
                "%(num)s run of %(agents)s people x %(years)s years",
                "%(num)s runs of %(agents)s people x %(years)s years",
                runs,
                agents=f"{agents:,}",
                years=years,
            ),
            total=runs,
        )

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results, ran_on = analysis.run_on_dask(
            specs, scheduler=scheduler, workers=workers, progress=advance
        )
    document = analysis.report(chosen, unit, specs, results, seed=seed, workers=ran_on)
    if plot is not None:
        from ketpath.present.uncertainty_charts import tornado_chart  # noqa: PLC0415

        plot.write_text(tornado_chart(document).svg, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    elif current_language() == ENGLISH:
        typer.echo(analysis.render(document))
    else:
        typer.echo(uncertainty_words(document))


UNCERTAINTY_OUTPUT_WORDS = (
    N_("adult past-year prevalence of use"),
    N_("past-year use among lifetime users"),
    N_("dependence among past-year users"),
    N_("dependent past-year users per 1,000 people"),
    N_("urinary symptoms caused by ketamine among past-year users"),
    N_("urinary symptoms (any cause) among dependent users"),
    N_("treatment entries per 1,000 people over the run"),
    N_("relapse within a year of completing treatment"),
)
"""``population.uncertainty.OUTPUTS``' labels marked for the catalog (a test keeps them the same)."""


def uncertainty_words(document: dict[str, Any], *, top: int = 3) -> str:
    """``population.uncertainty.render`` in the run's language (English prints ``render``'s own).

    Each output's median and 90% interval, then its strongest drivers by PRCC
    with the p-value; assumption names are the model's parameter names, which
    a person passes back, so they stay as they are.
    """
    lines = [
        ngettext(
            "%(num)s run of %(agents)s people x %(years)s years; %(count)s assumptions varied"
            " (Latin hypercube); intervals: 5th to 95th percentile over the runs (90%%)",
            "%(num)s runs of %(agents)s people x %(years)s years; %(count)s assumptions varied"
            " (Latin hypercube); intervals: 5th to 95th percentile over the runs (90%%)",
            int(document["runs"]),
            agents=f"{document['agents']:,}",
            years=document["years"],
            count=len(document["assumptions"]),
        )
    ]
    for output in document["outputs"].values():
        label = _(output["label"])
        if output["median"] is None:
            lines.append(_("%(output)s: not estimable in any run", output=label))
            continue
        low, median, high = (f"{output[k]:.4g}" for k in ("low", "median", "high"))
        lines.append(
            ngettext(
                "%(output)s: %(median)s [%(low)s, %(high)s] (%(num)s run)",
                "%(output)s: %(median)s [%(low)s, %(high)s] (%(num)s runs)",
                int(output["runs"]),
                output=label,
                median=median,
                low=low,
                high=high,
            )
        )
        ranked = sorted(
            ((name, v) for name, v in output["prcc"].items() if v["prcc"] is not None),
            key=lambda item: -abs(item[1]["prcc"]),
        )
        for name, coefficient in ranked[:top]:
            lines.append(f"    PRCC {coefficient['prcc']:+.2f} (p {coefficient['p']:.2g})  {name}")
    needed = len(document["assumptions"]) + 3
    if document["warnings"] and int(document["runs"]) < needed:
        lines.append(
            _(
                "warning: PRCC needs at least %(needed)s runs for %(count)s assumptions"
                " (got %(runs)s); the coefficients are null",
                needed=needed,
                count=len(document["assumptions"]),
                runs=document["runs"],
            )
        )
    return "\n".join(lines)
