"""Column specifications of every table in a customer base.

One source of truth: the generator writes with these specs, the loader parses with
them, and ``DATA_DICTIONARY.md`` is rendered from them.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "TABLES", "TABLE_DESCRIPTIONS", "HIDDEN_TABLES", "data_dictionary_markdown"]

KINDS = ("id", "str", "category", "int", "float", "money", "bool", "date", "datetime")


@dataclass(frozen=True)
class Column:
    """One column: its name, kind (how it is stored and parsed) and meaning."""

    name: str
    kind: str
    description: str
    nullable: bool = False
    #: Written only by some generating processes (``generate(process="realistic")``); a
    #: dataset without the column is still complete.
    optional: bool = False


C = Column

TABLE_DESCRIPTIONS = {
    "customers": "One row per customer (retail shopper or B2B account).",
    "orders": "One row per order. The only table an analysis always needs.",
    "interactions": "Touch points that are not orders: browsing, visits, calls, a rep's follow-ups, suggestions, events, reviews.",
    "complaints": "Complaints (申告投诉) with their handling timeline.",
    "surveys": "Satisfaction survey answers.",
    "referrals": "Who brought whom (客户推荐): converted and unconverted referrals.",
    "contacts": "B2B only: stakeholders in a buying organisation, with role and attitude.",
    "opportunities": "B2B only: key-account deals and the procurement stage they reached.",
    "opportunity_stages": "B2B only: stage history of each deal (one row per stage entered).",
    "leads": "B2B only: the lead pool (待分配客户), assigned or waiting for a rep.",
    "truth": "Synthetic data only: the hidden ground truth behind each customer. Never an input to an analysis; used to score methods.",
}

HIDDEN_TABLES = ("truth",)

TABLES: dict[str, tuple[Column, ...]] = {
    "customers": (
        C("customer_id", "id", "Customer identifier, unique."),
        C("name", "str", "Customer (retail) or main contact (B2B) name; made up by Faker."),
        C("company", "str", "Company name for B2B accounts; empty for retail shoppers.", nullable=True),
        C("city", "category", "City of the customer."),
        C("segment", "category", "Retail: age band. B2B: industry."),
        C("acquisition_date", "date", "Date the customer was acquired (registered or signed)."),
        C("acquisition_channel", "category", "How the customer was won: e.g. referral, social_media, trade_show."),
        C("relation", "category", "Buyer versus consumer (客户与消费者): buys_for_self, buys_for_others (retail); end_user, distributor, agent (B2B)."),
        C("tier_of_record", "category", "The tier the business itself records (retail membership level, B2B A/B/C class); may disagree with the data."),
        C("account_manager", "category", "Assigned account manager (B2B); empty for retail.", nullable=True),
    ),
    "orders": (
        C("order_id", "int", "Order identifier, unique."),
        C("customer_id", "id", "Customer who paid (the buyer)."),
        C("order_date", "datetime", "Date and time of the order."),
        C("amount", "money", "Amount paid, after discount."),
        C("discount", "money", "Discount given on the order (list price minus amount paid); 0 when none."),
        C("margin", "money", "Gross margin on the order (amount minus cost of goods)."),
        C("product_line", "category", "essentials, premium or new_release: what kind of product was bought."),
        C("channel", "category", "Sales channel: store, web, app, marketplace (retail); direct_sales, distributor, online_portal (B2B)."),
        C("recipient", "category", "Who the goods are for (the consumer): self, child, parent, partner, pet, gift (retail); own_use, resale (B2B)."),
    ),
    "interactions": (
        C("interaction_id", "int", "Interaction identifier, unique."),
        C("customer_id", "id", "Customer involved."),
        C("date", "datetime", "When it happened."),
        C("kind", "category", "browse, visit, call, follow_up, suggestion, event, review or reference (the customer served as a reference or case study for others)."),
        C("rep", "category", "Rep who made a follow_up, visit or call; empty otherwise.", nullable=True),
        C("quality", "float", "For suggestion and review: how useful the feedback was, 0-1 (as judged by the product team); empty otherwise.", nullable=True),
    ),
    "complaints": (
        C("complaint_id", "int", "Complaint identifier, unique."),
        C("customer_id", "id", "Customer who complained."),
        C("order_id", "int", "Order the complaint is about."),
        C("opened_at", "datetime", "When the complaint was made."),
        C("first_response_at", "datetime", "When the business first answered; empty if never.", nullable=True),
        C("closed_at", "datetime", "When it was resolved; empty while still open.", nullable=True),
        C("cause", "category", "late_delivery, quality_or_size, slow_after_sales or other: the three classic service failures plus the rest."),
        C("resolution", "category", "refund, replacement, repair, apology, or open."),
    ),
    "surveys": (
        C("survey_id", "int", "Survey answer identifier, unique."),
        C("customer_id", "id", "Customer who answered."),
        C("date", "date", "Date of the answer."),
        C("satisfaction", "int", "Overall satisfaction, 1 (very dissatisfied) to 5 (very satisfied)."),
        C("recommend", "int", "Likelihood to recommend, 0-10 (the NPS question)."),
        C("price_sensitivity", "int", "'Price matters most to me', 1 (disagree) to 5 (agree)."),
        C("product_quality", "int", "Rating of product quality, 1-5."),
        C("service_quality", "int", "Rating of service and care, 1-5."),
        C("aware_before", "bool", "Had heard of the brand before their first purchase (awareness, 知名度)."),
    ),
    "referrals": (
        C("referral_id", "int", "Referral identifier, unique."),
        C("referrer_id", "id", "Existing customer who made the referral."),
        C("referred_id", "id", "Customer who was won through it; empty when the referral did not convert.", nullable=True),
        C("referred_at", "date", "Date of the referral."),
        C("converted", "bool", "Whether the referred person became a customer."),
    ),
    "contacts": (
        C("contact_id", "int", "Contact identifier, unique."),
        C("customer_id", "id", "Account the contact works for."),
        C("name", "str", "Contact name."),
        C("role", "category", "Role in buying: decision_maker, technical_evaluator, purchaser, user, influencer or gatekeeper."),
        C("attitude", "category", "Attitude towards us: supporter, neutral or opponent."),
    ),
    "opportunities": (
        C("opportunity_id", "int", "Deal identifier, unique."),
        C("customer_id", "id", "Account the deal is with."),
        C("opened_at", "date", "Date the deal was opened."),
        C("trigger_event", "category", "What opened it (触发事件): new_plant, equipment_ageing, new_regulation, leadership_change, capacity_expansion, quality_issue."),
        C("stage", "category", "Furthest procurement stage reached (internal_need ... after_sales)."),
        C("expected_value", "money", "Value of the deal if won."),
        C("competitor", "category", "Main competitor in the deal; empty when none was seen.", nullable=True),
        C("quote_vs_competitor", "float", "Our quote relative to the competitor's (0.05 = 5% dearer); empty without competitor.", nullable=True),
        C("technical_plan", "bool", "Whether we offered the client a technical improvement plan."),
        C("outcome", "category", "won, lost or open."),
        C("closed_at", "date", "Date the deal was won or lost; empty while open.", nullable=True),
    ),
    "opportunity_stages": (
        C("opportunity_id", "int", "Deal."),
        C("stage", "category", "Procurement stage entered."),
        C("entered_at", "date", "Date the deal entered the stage."),
    ),
    "leads": (
        C("lead_id", "int", "Lead identifier, unique."),
        C("company", "str", "Prospect company."),
        C("created_at", "date", "Date the lead came in."),
        C("source", "category", "trade_show, industry_website, peer_website, referral or cold_call."),
        C("level", "category", "Prospect level: undifferentiated (无差别), qualified (合格) or key (关键)."),
        C("assigned_rep", "category", "Rep the lead is assigned to; empty while it waits in the pool.", nullable=True),
        C("praised_publicly", "bool", "The prospect praised our product in public (commitment and consistency)."),
        C("status", "category", "new, contacted, converted or discarded."),
        C("converted_customer_id", "id", "Customer the lead became; empty unless converted.", nullable=True),
    ),
    "truth": (
        C("customer_id", "id", "Customer."),
        C("persona", "category", "Hidden behavioural type: loyal, discount_driven, impulse, need_based or wanderer."),
        C("orientation", "category", "Hidden orientation: cost, value or technology."),
        C("leader_role", "category", "Opinion-leader role: product_expert, bridge, gold_salesperson, or none."),
        C("high_volume", "bool", "Flag: buys in high volume (高消费量)."),
        C("future_high_value", "bool", "Flag: young customer with high expected future value (未来高终身价值)."),
        C("benchmark", "bool", "Flag: others copy them (标杆)."),
        C("pioneer", "bool", "Flag: opened a new market (开拓者): first customer in their city."),
        C("motivator", "bool", "Flag: pushes the supplier to improve through suggestions (激励型)."),
        C("purchase_rate", "float", "Latent purchase rate lambda while alive, purchases per day (Gamma across customers)."),
        C("dropout_prob", "float", "Latent probability p of dropping out after each repeat purchase (Beta across customers); empty for the scripted b2b key accounts, whose fate is written into the scenario.", nullable=True),
        C("spend_scale", "float", "Latent Gamma-Gamma scale nu: each order amount ~ Gamma(spend_shape, rate nu)."),
        C("mean_spend", "money", "True mean order amount, spend_shape / spend_scale."),
        C("gap_shape", "float", "Shape of the gap between purchases (1 = memoryless Poisson; larger = more regular)."),
        C("first_purchase", "bool", "Whether the customer ever bought (wanderers may only browse)."),
        C("dropout_date", "date", "Date the customer silently left (their last purchase); empty if still active at the end.", nullable=True),
        C("expected_purchases_next_year", "float", "Expected purchases in the 365 days after the end date, given the truth."),
        C("expected_value_next_year", "money", "Expected amount spent in the 365 days after the end date, given the truth."),
        C("churn_cause", "category", "Why a churned customer left (lack_of_care, service_failure, competitor, price, moved_on); none if active.", nullable=True),
        # The realistic process (generate(process="realistic"), docs/generator.md) adds these.
        C("never_buyer", "bool", "Realistic process: the customer never placed an order.", optional=True),
        C("dropout_clock", "category", "Realistic process: which competing clock ended the relation (trial, base, care_lapse, unresolved_complaint, competitor_offer, satisfaction_drop), or none.", optional=True),
        C("dropout_hazard", "float", "Realistic process: the customer's base hazard of leaving, per year.", optional=True),
        C("faded_before_leaving", "bool", "Realistic process: the customer's buying faded (longer gaps, smaller baskets) before leaving.", optional=True),
        C("signal_care_lapse_at", "date", "Realistic process: when a lapse in the firm's care first began (stayers too); empty if never.", nullable=True, optional=True),
        C("signal_unresolved_complaint_at", "date", "Realistic process: when a complaint first stayed unresolved (stayers too); empty if never.", nullable=True, optional=True),
        C("signal_competitor_offer_at", "date", "Realistic process: when a competitor's offer first reached the customer (stayers too); empty if never.", nullable=True, optional=True),
        C("signal_satisfaction_drop_at", "date", "Realistic process: when the customer's satisfaction first fell (stayers too); empty if never.", nullable=True, optional=True),
        C("firm_gave_up_at", "date", "Realistic process: when the firm's contact policy gave up on the customer (unanswered contacts); empty if never.", nullable=True, optional=True),
        C("surveys_sent", "int", "Realistic process: satisfaction surveys the firm sent, answered or not.", optional=True),
    ),
}


def data_dictionary_markdown() -> str:
    """Render the data dictionary of every table as Markdown (the source of DATA_DICTIONARY.md)."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `playbook/schema.py` by `playbook dictionary`; do not edit by hand.",
        "Every dataset folder holds one CSV per table, UTF-8, comma separated, with a header,",
        "plus `manifest.json` (seed, parameters, row counts, SHA-256 checksums).",
        "Dates are `YYYY-MM-DD`, date-times `YYYY-MM-DD HH:MM:SS`, empty cells are missing values.",
        "Tables marked B2B only are absent from retail datasets.",
        "",
    ]
    for table, columns in TABLES.items():
        lines += [f"## `{table}`", "", TABLE_DESCRIPTIONS[table], "", "| column | kind | meaning |", "|---|---|---|"]
        for col in columns:
            kind = col.kind + (", may be empty" if col.nullable else "") + (", realistic process only" if col.optional else "")
            lines.append(f"| `{col.name}` | {kind} | {col.description} |")
        lines.append("")
    return "\n".join(lines)
