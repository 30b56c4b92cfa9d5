"""PDF reports with reportlab. Below the services, above storage: reports are built from
plain domain and scoring objects and never open the database or import Qt."""
