"""科技成果登记: achievement records and their registration review by the bureau."""
