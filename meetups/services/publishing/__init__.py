"""Publishing the schedule: who takes part, their agendas by email when they change, the reminder the day before."""
