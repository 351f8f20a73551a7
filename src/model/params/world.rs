//! The world's parameter sections, `[simulation]` … `[satisfaction]`: every
//! parameter with its default, unit, valid range, provenance and a one-line
//! description. The reform levers' sections are in `levers.rs`.

use super::schema::{section, ParamInfo, ParamValue, Provenance, BIG};
use serde::{Deserialize, Serialize};

section!(
    /// Run controls.
    Simulation {
        months: u32 = 60; "months", [1, 600], Setting, "Simulated horizon (spec §3: default 60 months)";
        spinup_months: u32 = 60; "months", [0, 1200], Setting, "Months simulated under baseline rules (every reform off) before month 1 of the horizon; outputs cover the horizon only, and scenarios that differ only in reforms share one spin-up per replication. 60 = three times the slowest settling time left after month 0 is set near its stationary state (stipend arrears, 20 months; satisfaction, registration and morale ≈ 10 months): measured in docs/ODD.md §5";
        population_scale: f64 = 1.0; "share", [1e-6, 1.0], Setting, "Share of residents simulated; capacities, task hours and event rates scale with it, money is reported at full scale";
        outcome_window_months: u32 = 12; "months", [1, 600], Setting, "Final months over which per-replication outcome metrics are averaged";
        reference_residents: bool = false; "flag", [0, 1], Setting, "Step residents with the plain reference loop (every resident, every draw fresh, every count recounted) instead of the event-driven pass: the same model and distribution, about 10× slower; the oracle the event pass is tested against (tests/resident_oracle.rs)";
    }
);

section!(
    /// The world's structure outside the per-jurisdiction data file.
    World {
        jurisdictions_file: String = String::from("data/tianqiao_jurisdictions.csv"); "path", [0, 0], Setting, "CSV of street offices and towns (name, kind, area, population, committees, firms, provenance), relative to the scenario file that sets it";
        committee_size_spread: f64 = 0.3; "share", [0.0, 0.9], Estimate, "Relative spread of committee populations inside a jurisdiction (uniform ±; 0 = equal split): sizes varied widely, which is why Jinan resized its committees to ~3,000 households in 2004";
        firm_density_multiplier: f64 = 1.0; "ratio", [0.05, 20.0], Estimate, "Multiplier on every data-file firm density (the densities are estimates, ±30%: sweep 0.7-1.3)";
    }
);

section!(
    /// A synthetic world built from summary figures instead of the
    /// jurisdictions file (the national scenario). Sizes follow a fixed
    /// low-discrepancy sequence, so every replication sees the same map.
    Generator {
        street_offices: u32 = 0; "jurisdictions", [0, 1_000_000], Setting, "Street offices and towns to generate; 0 = read world.jurisdictions_file instead";
        committees: u32 = 112_000; "committees", [1, 100_000_000], Estimate, "Residents' committees in all, shared out in proportion to population (≈112,000 in 2020)";
        persons: f64 = 902_000_000.0; "persons", [1.0, 4e9], Firm, "Residents in all (urban population, 2020 census: 902 M)";
        fringe_share: f64 = 0.1; "share", [0.0, 1.0], Estimate, "Share of generated jurisdictions that are fringe towns with village-style committees";
        size_spread: f64 = 0.5; "share", [0.0, 0.95], Estimate, "Relative spread of jurisdiction populations around the mean (uniform ±)";
        area_km2_urban: f64 = 2.0; "km²", [0.01, 1e5], Estimate, "Area of a generated urban street office (Tianqiao's urban streets: 1.7 km² on average)";
        area_km2_fringe: f64 = 100.0; "km²", [0.01, 1e6], Estimate, "Area of a generated fringe town";
        firms_per_10k: f64 = 100.0; "firms/10,000 residents", [0.0, 1e4], Estimate, "Firm density of every generated jurisdiction (Tianqiao's mean: ≈100)";
    }
);

section!(
    /// The district government (spec §4.1, §4.8).
    District {
        departments: u32 = 52; "departments", [0, 500], Report, "District departments tasking the street offices (\"50+\")";
        city_allocation_yuan_per_capita_month: f64 = 8.0; "yuan/person/month", [0.0, 1e4], Estimate, "City allocation to the district budget (at horizon month 1 prices)";
        reserve_months: f64 = 2.0; "months of revenue", [0.0, 120.0], Estimate, "District cash reserve: the balance at month 0 and the level its budget steers toward";
        reserve_adjustment_months: f64 = 12.0; "months", [1.0, 600.0], Estimate, "Months over which departments' spending closes the gap between cash and the reserve";
        department_floor_share: f64 = 0.8; "share", [0.0, 1.0], Estimate, "Reform outlays crowd out departments' spending down to this share of its no-reform level; beyond it the district borrows (cash below zero, reported as district_debt)";
        policy_implementation_rate: f64 = 0.3; "share", [0.0, 1.0], Estimate, "Share of preferential service policies that vertically managed agencies (tax, commerce, water, power) carry out";
    }
);

section!(
    /// Ageing, births and deaths (spec §4.6).
    Demography {
        age_band_shares: Vec<f64> = vec![0.100, 0.125, 0.175, 0.190, 0.160, 0.115, 0.070, 0.042, 0.019, 0.004]; "share per 10-year band", [0.0, 1.0], Estimate, "Initial age distribution, bands 0-9 … 90-99; 60+ = 0.135 (12% in 1990, rising)";
        elderly_age_years: u32 = 60; "years", [40, 90], Firm, "Age from which a resident counts as elderly (census 60+)";
        adult_age_years: u32 = 18; "years", [14, 25], Firm, "Age of majority: adults may be party members and count in satisfaction";
        birth_rate_annual: f64 = 0.009; "births/person/year", [0.0, 0.1], Estimate, "Crude birth rate, urban Shandong c. 2000";
        mortality_gompertz_a: f64 = 0.00005; "1/year", [0.0, 0.1], Estimate, "Gompertz mortality at age 0: annual death probability a·exp(b·age)";
        mortality_gompertz_b: f64 = 0.09; "1/year of age", [0.0, 0.3], Estimate, "Gompertz slope of mortality with age";
        max_age_years: u32 = 100; "years", [60, 120], Estimate, "Oldest age; residents who reach it die";
    }
);

section!(
    /// Employment, lay-offs and re-employment (spec §4.4).
    Labour {
        working_age_min_years: u32 = 16; "years", [10, 30], Firm, "Legal minimum working age";
        retirement_age_years: u32 = 60; "years", [45, 75], Firm, "Age at which residents leave the labour force";
        out_of_labour_force_share: f64 = 0.25; "share of working age", [0.0, 1.0], Estimate, "Working-age residents outside the labour force (students, carers)";
        initial_unemployment_rate: f64 = 0.08; "share of labour force", [0.0, 1.0], Estimate, "Real urban unemployment, late 1990s (Hu Angang 2000: ≈8%, registered 3.1%)";
        layoff_annual: f64 = 0.032; "1/year", [0.0, 1.0], Estimate, "Annual probability that an employed resident is laid off (SOE restructuring), besides the lay-offs of exiting firms; recalibrated so baseline unemployment stays ≈ 9%";
        job_finding_annual: f64 = 0.35; "1/year", [0.0, 1.0], Estimate, "Annual probability that an unemployed resident finds work unaided";
        help_finding_multiplier: f64 = 1.8; "ratio", [1.0, 10.0], Estimate, "Job-finding hazard multiplier in a month the committee's re-employment help was received";
        low_income_share_unemployed: f64 = 0.20; "share", [0.0, 1.0], Estimate, "Initial share of the unemployed who are low-income (dibao cases)";
        low_income_share_elderly: f64 = 0.05; "share", [0.0, 1.0], Estimate, "Initial share of the elderly who are low-income";
        low_income_share_other: f64 = 0.01; "share", [0.0, 1.0], Estimate, "Initial share of other residents who are low-income";
        low_income_on_layoff: f64 = 0.15; "probability", [0.0, 1.0], Estimate, "Probability a laid-off resident becomes low-income";
        low_income_exit_on_reemployment: f64 = 0.5; "probability", [0.0, 1.0], Estimate, "Probability a re-employed low-income resident leaves low income";
    }
);

section!(
    /// Migrants and their registration (spec §4.5).
    Migration {
        initial_share_urban: f64 = 0.15; "share", [0.0, 0.9], Estimate, "Migrant share in urban streets (railway station, bus station, 80+ markets; range 0.10-0.25)";
        initial_share_fringe: f64 = 0.25; "share", [0.0, 0.9], Estimate, "Migrant share in fringe (urban-village) committees";
        initial_registered_share: f64 = 0.5; "share", [0.0, 1.0], Estimate, "Share of migrants registered at month 0";
        departure_annual: f64 = 0.30; "1/year", [0.0, 1.0], Estimate, "Annual probability that a migrant leaves";
        arrivals_per_capita_annual_urban: f64 = 0.0527; "arrivals/person/year", [0.0, 1.0], Derived, "Migrant arrivals in urban streets: 12 × monthly departure hazard (1 − 0.7^(1/12)) × initial_share_urban keeps the share steady";
        arrivals_per_capita_annual_fringe: f64 = 0.0878; "arrivals/person/year", [0.0, 1.0], Derived, "Migrant arrivals in fringe committees: 12 × monthly departure hazard × initial_share_fringe";
        arrival_age_min_years: u32 = 18; "years", [0, 100], Estimate, "Youngest arriving migrant";
        arrival_age_max_years: u32 = 45; "years", [0, 100], Estimate, "Oldest arriving migrant";
        arrival_employed_share: f64 = 0.8; "share", [0.0, 1.0], Estimate, "Share of arriving migrants who have work";
        fringe_information_factor: f64 = 0.5; "ratio", [0.0, 1.0], Estimate, "How much a village-style committee knows of newcomers: scales its chance to reach a registration or welfare need (report: management gaps)";
    }
);

section!(
    /// Party members and their management (spec §4.7).
    Party {
        member_share_adults: f64 = 0.07; "share of adults", [0.0, 1.0], Estimate, "Party members among residents aged 18+";
        arriving_migrant_member_share: f64 = 0.03; "share", [0.0, 1.0], Estimate, "Party members among arriving migrants";
        initial_managed_share_unattached: f64 = 0.4; "share", [0.0, 1.0], Estimate, "Managed share of retired, laid-off and migrant members at month 0 (report: 'left to drift')";
        link_monthly: f64 = 0.004; "1/month", [0.0, 1.0], Derived, "Monthly probability that an unmanaged member is linked to a community party organisation: the rate at which the managed share stays near its month-0 level (0.66; 0.4 of unattached members, the report's 'left to drift') over a 10-year baseline (0.01 let it climb to 0.76)";
        join_annual: f64 = 0.003; "1/year", [0.0, 1.0], Estimate, "Annual probability that a non-migrant adult under retirement age joins the party (members recruited at work are managed there)";
        delink_on_layoff: f64 = 0.5; "probability", [0.0, 1.0], Estimate, "Probability that a managed member losing their job (and work unit) becomes unmanaged";
        volunteer_hours_per_managed_month: f64 = 0.5; "hours/member/month", [0.0, 100.0], Estimate, "Volunteer hours a managed member gives their committee";
    }
);

section!(
    /// Top-down tasks: "not the residents' head but the government's legs" (spec §4.1).
    Tasks {
        tasks_per_department_month: f64 = 2.0; "tasks/department/jurisdiction/month", [0.0, 1e4], Estimate, "Fixed part of the Poisson rate of tasks each department issues to each jurisdiction";
        tasks_per_department_per_10k_month: f64 = 2.6; "tasks/department/10k residents/month", [0.0, 1e4], Derived, "Population part of the task rate; calibrated so committee_admin_share (task hours over the cadres' own hours) lands in the report's 0.5-0.8";
        hours_per_task: f64 = 6.0; "hours", [0.0, 1e4], Estimate, "Work hours one task needs";
        passdown_share: f64 = 0.6; "share", [0.0, 1.0], Estimate, "Share of task hours a street passes down to its committees (split by population)";
        backlog_cap_months: f64 = 3.0; "months of capacity", [0.0, 120.0], Estimate, "Backlog beyond this many months of capacity is dropped (tasks lapse)";
        admin_by_volunteers: bool = false; "flag", [0, 1], Estimate, "Volunteer organisations' hours may be spent on top-down tasks (no: the report's burden falls on the committee cadres, 'the government's legs')";
        admin_by_party_members: bool = false; "flag", [0, 1], Estimate, "Managed party members' volunteer hours may be spent on top-down tasks";
        admin_by_enterprises: bool = false; "flag", [0, 1], Estimate, "Service enterprises' hours may be spent on top-down tasks (no: they sell services to residents)";
        admin_by_stations: bool = false; "flag", [0, 1], Estimate, "Service-station workers' hours (converted fringe committees) may be spent on top-down tasks";
    }
);

section!(
    /// Committee capacity: cadres, offices, volunteers (spec §4.2).
    Committees {
        cadre_hours_month: f64 = 170.0; "hours/cadre/month", [0.0, 744.0], Estimate, "Working hours of one cadre";
        office_area_mean_m2: f64 = 15.0; "m²", [1.0, 1000.0], Report, "Mean committee office area";
        office_area_sd_m2: f64 = 4.0; "m²", [0.0, 1000.0], Estimate, "Spread of committee office areas";
        office_standard_m2: f64 = 30.0; "m²", [1.0, 1000.0], Report, "National office standard the report cites (≥30 m²)";
        office_area_elasticity: f64 = 0.5; "elasticity", [0.0, 3.0], Estimate, "θ in f_office = min(1, area/standard)^θ";
        phone_share: f64 = 0.3; "share", [0.0, 1.0], Report, "Committees with an office phone (70% without)";
        no_phone_factor: f64 = 0.85; "ratio", [0.0, 1.0], Estimate, "φ: capacity factor of an office without a phone";
        efficiency_low_education: f64 = 0.8; "ratio", [0.0, 3.0], Estimate, "Efficiency of a cadre with low education";
        efficiency_secondary_education: f64 = 1.0; "ratio", [0.0, 3.0], Estimate, "Efficiency of a cadre with secondary education";
        efficiency_college_education: f64 = 1.2; "ratio", [0.0, 3.0], Estimate, "Efficiency of a college-educated cadre";
        morale_efficiency_floor: f64 = 0.6; "ratio", [0.0, 1.0], Estimate, "Efficiency at morale 0 (1 at morale 1, linear between)";
        volunteer_organisations: f64 = 53.0; "organisations", [0.0, 1e6], Report, "Volunteer organisations in the district, spread over committees by population";
        volunteer_hours_per_organisation_month: f64 = 40.0; "hours/month", [0.0, 1e5], Estimate, "Hours one volunteer organisation gives";
        max_load: f64 = 10.0; "ratio", [1.0, 1e3], Estimate, "Cap on demanded hours / capacity (a committee without capacity counts as this overloaded)";
        operating_fund_yuan_month: f64 = 300.0; "yuan/committee/month", [0.0, 1e7], Estimate, "Committee operating fund paid by the street (flat per committee)";
        operating_need_yuan_per_1k_month: f64 = 66.0; "yuan/1,000 residents/month", [0.0, 1e7], Estimate, "Operating costs a committee must cover (office, phone, cleaning, activities) per 1,000 residents: the flat fund covers only small committees (report: 办公经费也很少)";
        informal_sensitivity: f64 = 2.0; "per unit shortfall", [0.0, 100.0], Estimate, "κ_c: a committee's informal-fee intensity target per unit of operating shortfall (report: fees at committee level too)";
        informal_yield_per_capita_month: f64 = 0.05; "yuan/person/month at I=1", [0.0, 1e5], Estimate, "Committee revenue from arbitrary fees at full intensity";
        paid_hour_cost_yuan: f64 = 4.6; "yuan/hour", [0.0, 1e5], Derived, "Cost of a paid task hour bought with devolved-task funds: the outside wage 781 yuan / 170 hours";
    }
);

section!(
    /// Committee cadres: stipends, morale, quits, recruitment (spec §4.11).
    Cadres {
        positions_per_committee: u32 = 6; "positions", [1, 50], Estimate, "Cadre posts per committee (about 5 nationally; law: 5-9)";
        stipend_yuan_month: f64 = 450.0; "yuan/month", [0.0, 1e6], Report, "Monthly stipend (report: 400-500 yuan)";
        outside_wage_yuan_month: f64 = 781.0; "yuan/month", [1.0, 1e6], Firm, "Outside option: 2000 national average wage (9,371 yuan/year)";
        quit_annual_local: f64 = 0.054; "1/year", [0.0, 1.0], Estimate, "a0 for older local cadres at pay parity after their first years (0.03-0.12); recalibrated so baseline turnover stays ≈ 0.20/year";
        quit_annual_young: f64 = 0.20; "1/year", [0.0, 1.0], Estimate, "a0 for young educated recruits at pay parity";
        pay_elasticity: f64 = 1.0; "elasticity", [0.0, 5.0], Estimate, "β_w: quit probability ∝ ((stipend + v × insurance)/outside wage)^-β_w (sweep 0.5-1.5)";
        overload_quit_gamma: f64 = 0.5; "ratio", [0.0, 10.0], Estimate, "γ_load: quit multiplier per unit of load above 1";
        arrears_quit_gamma: f64 = 0.15; "per month of arrears", [0.0, 10.0], Estimate, "γ_arrears: quit hazard × (1 + γ × months of stipends owed, capped)";
        arrears_cap_months: f64 = 6.0; "months", [0.0, 120.0], Estimate, "Arrears beyond this many months of stipends add no further quits or morale loss";
        insurance_value_share: f64 = 0.7; "share", [0.0, 2.0], Estimate, "v: a yuan of social insurance counts as v yuan of stipend in the pay ratio (stipend + v × insurance) / outside wage";
        early_tenure_quit_multiplier: f64 = 1.5; "ratio", [0.0, 10.0], Estimate, "Quit hazard multiplier in a cadre's first early_tenure_months in post";
        early_tenure_months: u32 = 24; "months", [0, 600], Estimate, "Months in post during which the early-tenure quit multiplier applies";
        retirement_age_years: u32 = 60; "years", [40, 80], Estimate, "Cadres retire at this age";
        vacancy_fill_monthly: f64 = 0.33; "1/month", [0.0, 1.0], Estimate, "Monthly probability a vacancy is filled (mean delay 3 months)";
        young_recruit_share: f64 = 0.10; "share", [0.0, 1.0], Estimate, "Share of recruits who are young graduates under the baseline channels";
        local_age_min_years: u32 = 40; "years", [16, 80], Estimate, "Youngest local recruit";
        local_age_max_years: u32 = 57; "years", [16, 80], Estimate, "Oldest local recruit";
        young_age_min_years: u32 = 22; "years", [16, 80], Estimate, "Youngest graduate recruit";
        young_age_max_years: u32 = 30; "years", [16, 80], Estimate, "Oldest graduate recruit";
        local_college_share: f64 = 0.05; "share", [0.0, 1.0], Estimate, "College-educated among local recruits";
        local_secondary_share: f64 = 0.50; "share", [0.0, 1.0], Estimate, "Secondary-educated among local recruits (rest: low)";
        young_college_share: f64 = 0.80; "share", [0.0, 1.0], Estimate, "College-educated among graduate recruits (rest: secondary)";
        morale_initial: f64 = 0.6; "0..1", [0.0, 1.0], Estimate, "Morale of a new recruit (serving cadres at month 0 start where this has decayed toward the target over their time in post)";
        morale_smoothing: f64 = 0.1; "1/month", [0.0, 1.0], Estimate, "Monthly adjustment of morale toward its target";
        morale_base: f64 = 0.7; "0..1", [0.0, 1.0], Estimate, "Morale target at pay parity, normal load, no arrears";
        morale_pay_weight: f64 = 0.4; "per unit pay ratio", [0.0, 5.0], Estimate, "Morale target change per unit of (pay ratio − 1), pay ratio = (stipend + v × insurance)/outside wage";
        morale_load_weight: f64 = 0.3; "per unit load", [0.0, 5.0], Estimate, "Morale target loss per unit of load above 1";
        morale_arrears_weight: f64 = 0.05; "per month of arrears", [0.0, 5.0], Estimate, "Morale target loss per month of stipends owed (capped)";
        insurance_yuan_month: f64 = 0.0; "yuan/cadre/month", [0.0, 1e6], Report, "Social insurance paid per cadre (none at baseline: the report asks for it)";
    }
);

section!(
    /// Residents' needs and the committees' services (spec §4.3).
    Services {
        elderly_care_need_monthly: f64 = 0.20; "1/month", [0.0, 1.0], Estimate, "Monthly probability an elderly resident (60+) needs care (visits, help at home)";
        elderly_care_hours: f64 = 1.0; "hours/need", [0.0, 100.0], Estimate, "Hours to serve one elderly-care need";
        entitled_share_elderly: f64 = 0.05; "share", [0.0, 1.0], Estimate, "Entitled groups (youfu) among the elderly";
        entitled_need_monthly: f64 = 0.1; "1/month", [0.0, 1.0], Estimate, "Monthly probability an entitled (youfu) resident needs welfare services (statutory welfare, first priority)";
        entitled_hours: f64 = 1.0; "hours/need", [0.0, 100.0], Estimate, "Hours to serve one entitled-group welfare need";
        low_income_need_monthly: f64 = 0.5; "1/month", [0.0, 1.0], Estimate, "Monthly probability a low-income resident not yet receiving the benefit needs assistance (application, means test)";
        low_income_need_monthly_enrolled: f64 = 0.1; "1/month", [0.0, 1.0], Estimate, "Monthly probability a low-income resident receiving the benefit needs assistance (re-certification)";
        low_income_hours: f64 = 1.5; "hours/need", [0.0, 100.0], Estimate, "Hours to serve one low-income need";
        reemployment_need_monthly: f64 = 0.3; "1/month", [0.0, 1.0], Estimate, "Monthly probability an unemployed resident asks for re-employment help";
        reemployment_hours: f64 = 1.5; "hours/need", [0.0, 100.0], Estimate, "Hours of one re-employment help";
        registration_need_monthly: f64 = 0.3; "1/month", [0.0, 1.0], Estimate, "Monthly probability an unregistered migrant is due a registration visit";
        registration_hours: f64 = 0.5; "hours/need", [0.0, 100.0], Estimate, "Hours of one registration visit";
        mediation_need_monthly: f64 = 0.005; "1/month", [0.0, 1.0], Estimate, "Monthly probability a resident needs dispute mediation";
        mediation_hours: f64 = 2.0; "hours/need", [0.0, 100.0], Estimate, "Hours of one mediation";
    }
);

section!(
    /// Street finance: "solving our own meals" (spec §4.8).
    Finance {
        growth_annual: f64 = 0.10; "1/year", [-0.2, 0.5], Estimate, "Common growth of every money flow (tax base, wages, stipends, prices, transfers, costs): balanced nominal growth, so street revenue grows while every ratio the model's behaviour reads stays put (China c. 2000: nominal GDP and the average wage grew ≈10%/year)";
        reserve_months: f64 = 1.0; "months of mandatory spending", [0.0, 120.0], Estimate, "Street cash reserve: cash at month 0, and the level above which a street spends on community building";
        community_building_rate: f64 = 0.2; "1/month", [0.0, 1.0], Estimate, "Share of cash above the reserve a street spends each month on discretionary community building (facilities, events, staff bonuses; no modelled effect on residents)";
        arrears_writeoff_monthly: f64 = 0.05; "1/month", [0.0, 1.0], Estimate, "Share of owed stipends written off each month (claims lapse as cadres leave)";
        informal_reporting_threshold: f64 = 0.01; "0..1", [0.0, 1.0], Setting, "Informal intensity above which a street or committee counts as raising informal revenue (streets_with_informal_share, committees_with_informal_share)";
        transfer_base_yuan_month: f64 = 30_000.0; "yuan/month", [0.0, BIG], Estimate, "Fixed monthly district transfer to each street";
        transfer_per_capita_month: f64 = 2.0; "yuan/person/month", [0.0, 1e5], Estimate, "Per-capita monthly district transfer";
        retained_tax_share: f64 = 0.5; "share", [0.0, 1.0], Estimate, "Share of local tax collected in the street that the street keeps (Beijing 2000 model)";
        staff_fixed: f64 = 20.0; "persons", [0.0, 1e5], Estimate, "Street office staff independent of population";
        staff_per_10k: f64 = 6.0; "persons/10k residents", [0.0, 1e4], Estimate, "Street office staff per 10,000 residents";
        staff_hours_month: f64 = 170.0; "hours/person/month", [0.0, 744.0], Estimate, "Working hours of one street staff member";
        staff_salary_yuan_month: f64 = 800.0; "yuan/month", [0.0, 1e6], Estimate, "Street staff salary";
        public_services_yuan_per_capita_month: f64 = 15.0; "yuan/person/month", [0.0, 1e5], Estimate, "Mandatory street spending on sanitation, patrols, greening";
        service_centre_cost_month: f64 = 5_000.0; "yuan/month", [0.0, 1e8], Estimate, "Running cost of a street service centre (12 in the report)";
        service_station_cost_month: f64 = 800.0; "yuan/month", [0.0, 1e8], Estimate, "Running cost of a committee service station (75 in the report)";
        informal_adjustment: f64 = 0.2; "1/month", [0.0, 1.0], Estimate, "ρ: monthly adjustment of informal intensity toward its target";
        informal_sensitivity: f64 = 2.0; "per unit shortfall", [0.0, 100.0], Estimate, "κ: informal intensity target per unit of mandatory-spending shortfall (no source: sweep)";
        informal_yield_per_capita_month: f64 = 10.0; "yuan/person/month at I=1", [0.0, 1e5], Estimate, "Revenue from arbitrary fees, fines, stalls and building at full intensity";
    }
);

section!(
    /// Firms and the local tax base (spec §4.9).
    Firms {
        tax_per_firm_month: f64 = 4_000.0; "yuan/firm/month", [0.0, 1e9], Estimate, "Mean local tax a firm owes per month";
        compliance: f64 = 0.8; "share", [0.0, 1.0], Estimate, "Share of owed tax collected";
        exit_annual: f64 = 0.10; "1/year", [0.0, 1.0], Estimate, "e1: annual firm exit probability at zero informal intensity. Entries per 10k residents are derived per street at month 0 so the data file's firms_per_10k is the stationary stock: firms_per_10k × h(e1) × exp(−b_auth × authority)";
        entry_authority_effect: f64 = 0.5; "per unit authority", [0.0, 10.0], Estimate, "b_auth in the entry rate";
        entry_informal_effect: f64 = 1.0; "per unit intensity", [0.0, 10.0], Estimate, "b_inf in the entry rate";
        entry_investment_effect: f64 = 0.5; "per 1,000 yuan/firm/month", [0.0, 10.0], Estimate, "b_inv: effect of investment-attraction spending per firm on entry";
        exit_informal_effect: f64 = 1.0; "per unit intensity", [0.0, 10.0], Estimate, "c_exit: exit hazard multiplier (1 + c_exit × I)";
        jobs_per_new_firm: f64 = 10.0; "jobs/firm", [0.0, 1e4], Estimate, "Jobs a new firm fills from its street's unemployed, and an exiting firm lays off (district employment / firms ≈ 50 is the ceiling; new firms are small)";
    }
);

section!(
    /// Enforcement: "can see it, can't control it" (spec §4.10).
    Enforcement {
        authority: f64 = 0.3; "0..1", [0.0, 1.0], Estimate, "Street offices' comprehensive management authority (report: seriously insufficient); for streets whose data-file `authority` cell is empty or absent";
        coordination: f64 = 0.3; "0..1", [0.0, 1.0], Estimate, "Cooperation of dispatched agencies (police, commerce, tax, housing, sanitation); for streets whose data-file `coordination` cell is empty or absent";
        coordination_weight: f64 = 0.6; "share", [0.0, 1.0], Estimate, "ω: weight of coordination in the resolution probability";
        resolution_max: f64 = 0.9; "1/month", [0.0, 1.0], Estimate, "r_max: monthly resolution probability with full authority, coordination and staff";
        staff_factor_floor: f64 = 0.2; "ratio", [0.0, 1.0], Estimate, "Staff factor when street staff are fully absorbed by tasks";
        sanitation_per_10k_month: f64 = 3.0; "issues/10k/month", [0.0, 1e4], Estimate, "New sanitation issues";
        construction_per_10k_month: f64 = 1.0; "issues/10k/month", [0.0, 1e4], Estimate, "New illegal-construction issues";
        road_trade_per_10k_month: f64 = 2.0; "issues/10k/month", [0.0, 1e4], Estimate, "New road-occupying-trade issues";
        informal_issue_effect: f64 = 2.0; "per unit intensity", [0.0, 100.0], Estimate, "c: new issues scale with (1 + c × I)";
    }
);

section!(
    /// Security incidents (spec §4.5 and §4.10).
    Security {
        incidents_per_10k_month: f64 = 1.0; "incidents/10k/month", [0.0, 1e4], Estimate, "Base rate of security incidents";
        unregistered_effect: f64 = 3.0; "per unit unregistered share", [0.0, 100.0], Estimate, "Incident rate multiplier (1 + c × unregistered migrant share)";
        fringe_multiplier: f64 = 1.5; "ratio", [0.0, 100.0], Estimate, "Incident rate multiplier in fringe jurisdictions (complex population, many venues)";
        coordination_effect: f64 = 0.5; "share", [0.0, 1.0], Estimate, "Incident reduction at full coordination: × (1 − c × coordination)";
    }
);

section!(
    /// Residents' satisfaction (spec §4.12).
    Satisfaction {
        initial: f64 = 0.6; "0..1", [0.0, 1.0], Estimate, "Satisfaction at month 0";
        smoothing: f64 = 0.1; "1/month", [0.0, 1.0], Estimate, "α: monthly adjustment toward the month's experienced quality";
        base_quality: f64 = 0.65; "0..1", [0.0, 1.0], Estimate, "q0: quality of a month with no needs and no problems";
        gain_need_met: f64 = 0.25; "per need", [0.0, 1.0], Estimate, "Quality gained for a need that was served";
        loss_need_unmet: f64 = 0.35; "per need", [0.0, 1.0], Estimate, "Quality lost for a need that was not served";
        loss_per_open_issue_per_10k: f64 = 0.002; "per issue/10k", [0.0, 1.0], Estimate, "δ_issue";
        loss_committee_fees: f64 = 0.15; "per unit intensity", [0.0, 1.0], Estimate, "δ_fee,c: quality lost per unit of the committee's own informal-fee intensity";
        loss_informal_fees: f64 = 0.15; "per unit intensity", [0.0, 1.0], Estimate, "δ_fee";
        loss_per_incident_per_10k: f64 = 0.02; "per incident/10k/month", [0.0, 1.0], Estimate, "δ_sec";
    }
);
